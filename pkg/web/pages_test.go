package web

import (
	"encoding/json"
	"html"
	"reflect"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/templates"
)

func checkPageHeaders(t *testing.T, h map[string][]string, dlOrigin string) {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if ct := get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := get(k); got != v {
			t.Errorf("%s %q, want %q", k, got, v)
		}
	}
	if got, want := get("Content-Security-Policy"), pageCSP(dlOrigin); got != want {
		t.Errorf("CSP %q, want %q", got, want)
	}
}

func TestPageCSP(t *testing.T) {
	got := pageCSP("https://dl.example")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';",
		"img-src 'self' https://dl.example data:", "media-src 'self' https://dl.example;",
		"connect-src 'self' https://dl.example;", "worker-src 'self'", "manifest-src 'self'",
		"base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(got, want) {
			t.Errorf("CSP %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "unsafe") || strings.Contains(pageCSP(""), "  ") {
		t.Errorf("CSP %q", got)
	}
}

func TestIndexAndHealth(t *testing.T) {
	e := newEnv(t, Options{Version: "v1.2.3", Profile: capped(4 * mib)})
	for _, connected := range []bool{true, false} {
		e.files.mu.Lock()
		e.files.connected = connected
		e.files.mu.Unlock()

		w := e.do("GET", "/", "Host", "files.example.com")
		if w.Code != 200 || !strings.Contains(w.Body.String(), "v1.2.3") {
			t.Fatalf("index %d:\n%s", w.Code, w.Body.String())
		}
		checkPageHeaders(t, w.Header(), "http://files.example.com")

		w = e.do("GET", "/healthz")
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("healthz %d %q", w.Code, w.Header().Get("Content-Type"))
		}
		var got health
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := health{Status: "ok", Version: "v1.2.3", Platform: "vercel", Connected: connected, Telegram: "ok", BaseURL: "http://example.com", MaxResponseBytes: 4 * mib, UptimeSeconds: got.UptimeSeconds, Goroutines: got.Goroutines}
		if got.Goroutines <= 0 {
			t.Errorf("healthz goroutines %d, want > 0", got.Goroutines)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("healthz %+v, want %+v", got, want)
		}
		if h := e.do("HEAD", "/healthz"); h.Code != 200 || h.Body.Len() != 0 || h.Header().Get("Content-Length") != w.Header().Get("Content-Length") {
			t.Errorf("HEAD /healthz %d, %d bytes", h.Code, h.Body.Len())
		}
	}
	if e.files.resolveCalls() != 0 {
		t.Error("status pages resolved messages")
	}
}

func TestPlayerData(t *testing.T) {
	f := stream.NewFile(stream.File{MessageID: 42, Name: "clip.mp4", MIMEType: "video/mp4", Size: 12_900_000}, nil)
	got := playerData(f, links.Code("a b&c"), "https://files.example", 4*mib)
	want := templates.Player{
		Name: "clip.mp4", Size: 12_900_000, SizeText: "12.3 MiB", MIMEType: "video/mp4", Media: "video",
		DownloadURL: "https://files.example/dl/42?code=a+b%26c", StreamURL: "https://files.example/stream/42?code=a+b%26c",
		LinkURL: "https://files.example/dl/42?code=a+b%26c", SaveURL: "https://files.example/dl/42?code=a+b%26c&dl=1",
		ThumbURL:         "https://files.example/thumb/42?code=a+b%26c",
		MaxResponseBytes: 4 * mib,
	}
	if got != want {
		t.Errorf("playerData\n got %+v\nwant %+v", got, want)
	}
	if rel := playerData(f, links.Code("x"), "", 0); rel.DownloadURL != "/dl/42?code=x" {
		t.Errorf("relative DownloadURL %q", rel.DownloadURL)
	}
}

func TestPlayerPage(t *testing.T) {
	e := newEnv(t, Options{})
	const evil = `<img src=x onerror=alert(1)>.mp4`
	e.files.add(stream.File{MessageID: 6, Caption: `c"<'>&`, Name: evil, MIMEType: "video/mp4"}, 100)
	w := e.do("GET", "/stream/6?code="+"c%22%3C%27%3E%26", "X-Forwarded-Proto", "https", "Host", "files.example")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	checkPageHeaders(t, w.Header(), "https://files.example")
	body := w.Body.String()
	if strings.Contains(body, "<img src=x") || strings.Contains(body, `c"<'>&`) {
		t.Errorf("unescaped value in the page:\n%s", body)
	}
	if !strings.Contains(body, html.EscapeString("<img src=x onerror=alert(1)>")) && !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("name not shown escaped:\n%s", body)
	}
	if !strings.Contains(html.UnescapeString(body), "https://files.example/dl/6?code=c%22%3C%27%3E%26") {
		t.Errorf("no absolute download link:\n%s", body)
	}
	if h := e.do("HEAD", "/stream/6?code="+"c%22%3C%27%3E%26"); h.Code != 200 || h.Body.Len() != 0 {
		t.Errorf("HEAD player: %d, %d bytes", h.Code, h.Body.Len())
	}
	if n := len(e.files.openCalls()); n != 0 {
		t.Errorf("the player page opened the file %d times", n)
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t, Options{})
	w := e.do("GET", "/static/style.css")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") || w.Body.Len() == 0 {
		t.Fatalf("style.css: %d %q %d bytes", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
	etag := w.Header().Get("ETag")
	if etag == "" || w.Header().Get("Cache-Control") != staticCache {
		t.Errorf("ETag %q Cache-Control %q", etag, w.Header().Get("Cache-Control"))
	}
	if w := e.do("GET", "/static/style.css", "If-None-Match", etag); w.Code != 304 {
		t.Errorf("revalidation: %d", w.Code)
	}
	if w := e.do("GET", "/static/style.css?v=1"); w.Header().Get("Cache-Control") != staticVersionedCache {
		t.Errorf("versioned Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	for _, target := range []string{"/static/../web.go", "/static/%2e%2e/templates.go", "/static/nope.css", "/static/"} {
		if w := e.do("GET", target); w.Code != 404 && w.Code != 301 && w.Code != 307 {
			t.Errorf("%s: %d", target, w.Code)
		}
	}
}
