package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/filetolink/filetolink/pkg/config"
)

// Cold start to first byte: a new App (a new process's service) until the
// first byte of a range arrives, with a session from the pool, with a fresh
// login (no session at all), and with TG_SESSION. Every iteration is one
// cold start on the same host; the pooled one takes back the session its
// predecessor released.
//
//	go test ./pkg/app -run '^$' -bench ColdStartToFirstByte -benchtime 20x
func BenchmarkColdStartToFirstByte(b *testing.B) {
	f := newFleet(b, 1, time.Minute, 50)
	f.registerFiles()
	file := f.files[0]
	// One login made the session that the pool and TG_SESSION reuse.
	seed := f.start(0, func(c *config.Config) { c.Sessions = config.Sessions{} })
	exported, err := seed.app.Telegram.ExportSession(requestCtx(b))
	seed.close()
	if err != nil {
		b.Fatal(err)
	}
	warm := f.start(0, nil) // puts a session in the pool
	firstByte(b, warm, file)
	warm.close()

	cases := []struct {
		name string
		tune func(*config.Config)
	}{
		{"pooled", nil},
		{"fresh_login", func(c *config.Config) { c.Sessions = config.Sessions{} }},
		{"tg_session", func(c *config.Config) { c.Sessions = config.Sessions{}; c.Session = exported }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				in := f.start(0, tc.tune)
				firstByte(b, in, file)
				b.StopTimer()
				in.close()
				b.StartTimer()
			}
		})
	}
}

func requestCtx(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	b.Cleanup(cancel)
	return ctx
}

func firstByte(b *testing.B, in *instance, file fleetFile) {
	b.Helper()
	s := &site{srv: in.srv, base: in.srv.URL}
	req, _ := http.NewRequestWithContext(requestCtx(b), http.MethodGet, s.srv.URL+dlPath(file.id, "code0"), nil)
	req.Header.Set("Range", "bytes=0-0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 1)
	if _, err := resp.Body.Read(buf); resp.StatusCode != http.StatusPartialContent || (err != nil && buf[0] == 0) {
		b.Fatalf("first byte: %d %v", resp.StatusCode, err)
	}
}
