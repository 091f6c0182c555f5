//go:build !nodemo

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/web"
)

// demoTelegram is the embedded fake Telegram of -demo: it sets the same
// environment variables a real deployment sets (TG_DC_LIST, TG_PUBLIC_KEYS,
// BOT_TOKEN, ...), so the demo runs the production code path.
type demoTelegram struct {
	fake   *tgfake.Server
	botAPI *demoBotAPI
	dir    string
	items  []tgfake.DemoItem
}

// demoFile is -demo-file: a file of the machine's that the demo posts too,
// under the code demo-file (the real-clients tests, e2e/clients.sh, give
// it a video over the response cap that ffmpeg makes at test time).
var demoFile = flag.String("demo-file", "", "with -demo: also post this `file` (its code: demo-file)")

// startDemo starts the fake Telegram with the samples; with fixtures, with
// the tests' catalog (tgfake.AddTestCatalog: a hostile file name, a file
// on another DC, ...), which the browser tests run against.
func startDemo(ctx context.Context, fixtures bool) (*demoTelegram, error) {
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
	if d.botAPI, err = startDemoBotAPI(fake); err != nil {
		d.Close()
		return nil, err
	}
	env["BOT_API_URL"] = d.botAPI.url
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			d.Close()
			return nil, err
		}
	}
	if fixtures {
		d.items = fake.AddTestCatalog()
	} else {
		d.items = fake.AddSamples()
	}
	if *demoFile != "" {
		b, err := os.ReadFile(*demoFile)
		if err != nil {
			d.Close()
			return nil, err
		}
		m := tgfake.Media{Kind: tgfake.KindDocument, Name: filepath.Base(*demoFile), MIMEType: "application/octet-stream", Content: tgfake.Bytes(b)}
		if ext := filepath.Ext(*demoFile); ext == ".mp4" { // not in every system's mime.types
			m.MIMEType = "video/mp4"
		} else if t := mime.TypeByExtension(ext); t != "" {
			m.MIMEType = t
		}
		if strings.HasPrefix(m.MIMEType, "video/") {
			m.Kind = tgfake.KindVideo
		}
		d.items = append(d.items, fake.AddFile("demo-file", m))
	}
	return d, nil
}

func (d *demoTelegram) Close() {
	if d.botAPI != nil {
		d.botAPI.close()
	}
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
		// The name it is served under: for nameless media, the one package
		// stream makes (photo_3.jpg).
		served := stream.NewFile(stream.File{MessageID: it.MessageID, Name: it.Name, Kind: stream.Kind(it.Kind), MIMEType: it.MIMEType}, nil)
		out[i] = demoLink{
			MessageID: it.MessageID, Caption: it.Caption, Name: served.Name, Kind: it.Kind,
			MIMEType: served.MIMEType, Size: it.Size, SHA256: it.SHA256,
			StreamURL:   links.Player(base, it.MessageID, links.Code(it.Caption)),
			DownloadURL: links.Download(base, it.MessageID, links.Code(it.Caption)),
		}
	}
	return out
}

// samples are the index page's links to the demo's files.
func (d *demoTelegram) samples() []web.Sample {
	var out []web.Sample
	for _, l := range d.links("") {
		out = append(out, web.Sample{MessageID: l.MessageID, Code: l.Caption, Name: l.Name, Kind: l.Kind, Size: l.Size})
	}
	return out
}

func (d *demoTelegram) printLinks(w io.Writer, base string) {
	fmt.Fprintf(w, "Demo mode: a fake Telegram with sample files. Open %s/\n", base)
	for _, l := range d.links(base) {
		fmt.Fprintf(w, "  %-10s %-34q %s\n", l.Kind, l.Name, l.StreamURL)
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
func runFakeTelegram(ctx context.Context, fixtures bool, stdout, stderr io.Writer) int {
	d, err := startDemo(ctx, fixtures)
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
	for _, l := range d.links("") {
		fmt.Fprintf(stderr, "  %s  %s (%d bytes)\n", l.DownloadURL, l.Name, l.Size)
	}
	<-ctx.Done()
	return 0
}
