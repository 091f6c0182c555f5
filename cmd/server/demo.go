package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// demoTelegram is the embedded fake Telegram of -demo: it sets the same
// environment variables a real deployment sets (TG_DC_LIST, TG_PUBLIC_KEYS,
// BOT_TOKEN, ...), so the demo runs the production code path.
type demoTelegram struct {
	fake  *tgfake.Server
	dir   string
	items []tgfake.DemoItem
}

func startDemo(ctx context.Context) (*demoTelegram, error) {
	fake, err := tgfake.Start(ctx, tgfake.Options{})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "filetolink-demo-")
	if err != nil {
		fake.Close()
		return nil, err
	}
	d := &demoTelegram{fake: fake, dir: dir}
	env, err := fake.Env(dir)
	if err != nil {
		d.Close()
		return nil, err
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			d.Close()
			return nil, err
		}
	}
	d.items = fake.AddDemo()
	return d, nil
}

func (d *demoTelegram) Close() {
	d.fake.Close()
	os.RemoveAll(d.dir)
}

type demoLink struct {
	MessageID   int    `json:"messageId"`
	Caption     string `json:"caption"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	MIMEType    string `json:"mimeType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	StreamURL   string `json:"streamUrl"`
	DownloadURL string `json:"downloadUrl"`
}

func (d *demoTelegram) links(base string) []demoLink {
	out := make([]demoLink, len(d.items))
	for i, it := range d.items {
		q := url.QueryEscape(it.Caption)
		out[i] = demoLink{
			MessageID: it.MessageID, Caption: it.Caption, Name: it.Name, Kind: it.Kind,
			MIMEType: it.MIMEType, Size: it.Size, SHA256: it.SHA256,
			StreamURL:   fmt.Sprintf("%s/stream/%d?code=%s", base, it.MessageID, q),
			DownloadURL: fmt.Sprintf("%s/dl/%d?code=%s", base, it.MessageID, q),
		}
	}
	return out
}

func (d *demoTelegram) printLinks(w io.Writer, base string) {
	fmt.Fprintf(w, "Demo mode: a fake Telegram with sample files. Open %s/\n", base)
	for _, l := range d.links(base) {
		name := l.Name
		if name == "" {
			name = "(no name: " + l.Kind + ")"
		}
		fmt.Fprintf(w, "  %-10s %-34q %s\n", l.Kind, name, l.StreamURL)
		fmt.Fprintf(w, "  %-10s %-34s %s\n", "", "", l.DownloadURL)
	}
}

// wrap adds GET /demo.json: the demo files and their links, for the browser
// tests and for people trying the demo.
func (d *demoTelegram) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/demo.json" {
			next.ServeHTTP(w, r)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(d.links(scheme + "://" + r.Host))
	})
}

// runFakeTelegram is `server -demo -print-env`: the demo's fake Telegram
// alone, for another process to use (the Lambda bootstrap under
// aws-lambda-rie, the Docker image with --network host, a second server).
// It prints the variables that point a process at it to stdout, one
// KEY=value a line (TG_PUBLIC_KEYS names a PEM file it writes), the demo
// files to stderr, and runs until ctx ends (SIGINT, SIGTERM).
func runFakeTelegram(ctx context.Context, stdout, stderr io.Writer) int {
	d, err := startDemo(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "fake Telegram:", err)
		return 1
	}
	defer d.Close()
	env, err := d.fake.Env(d.dir)
	if err != nil {
		fmt.Fprintln(stderr, "fake Telegram:", err)
		return 1
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(stdout, "%s=%s\n", k, env[k])
	}
	fmt.Fprintln(stderr, "Fake Telegram running on 127.0.0.1 (Ctrl-C stops it). Demo files (id, code, name):")
	for _, it := range d.items {
		fmt.Fprintf(stderr, "  /dl/%d?code=%s  %s (%d bytes)\n", it.MessageID, url.QueryEscape(it.Caption), it.Name, it.Size)
	}
	<-ctx.Done()
	return 0
}
