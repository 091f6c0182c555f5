package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/stream"
)

func TestStatuses(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		status     int
		reason     string // a part of the body
		retryAfter string
		location   string
		allow      string
		resolves   int // -1: any
	}{
		{name: "letters id", target: "/dl/abc?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "zero id", target: "/dl/0?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "negative id", target: "/dl/-1?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "plus id", target: "/dl/+1?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "id over int32", target: "/dl/2147483648?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "huge id", target: "/dl/99999999999999999999999?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "id with space", target: "/dl/1%20?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "id with slash", target: "/dl/1%2F2?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "max int32 id", target: "/dl/2147483647?code=x", status: 404, reason: "message not found", resolves: 1},
		{name: "no code", target: "/dl/1", status: 401, reason: "missing code", resolves: 0},
		{name: "empty code", target: "/dl/1?code=", status: 401, reason: "missing code", resolves: 0},
		{name: "other param only", target: "/dl/1?cod=x", status: 401, reason: "missing code", resolves: 0},
		{name: "only stream suffix", target: "/dl/1?code==stream", status: 401, reason: "missing code", resolves: 0},
		{name: "wrong code", target: "/dl/1?code=nope", status: 403, reason: "wrong code", resolves: 1},
		{name: "code prefix", target: "/dl/1?code=s3cr3t", status: 403, reason: "wrong code", resolves: 1},
		{name: "code with extra", target: dl(1, codeSmall+"x"), status: 403, reason: "wrong code", resolves: 1},
		{name: "missing message", target: "/dl/999?code=x", status: 404, reason: "message not found", resolves: 1},
		{name: "no media", target: "/dl/10?code=x", status: 404, reason: "no downloadable media", resolves: 1},
		{name: "unsupported", target: dl(17, codeSmall), status: 400, reason: "unsupported media", resolves: 1},
		{name: "unsupported kind", target: "/dl/18?code=x", status: 400, reason: "unsupported media", resolves: 1},
		{name: "unsupported wrong code", target: dl(17, "x"), status: 403, reason: "wrong code", resolves: 1},
		{name: "paid media", target: dl(19, codeSmall), status: 400, reason: "unsupported media", resolves: 1},
		{name: "paid media wrong code", target: dl(19, "x"), status: 403, reason: "wrong code", resolves: 1},
		{name: "flood wait", target: "/dl/11?code=x", status: 503, reason: "wait 42s", retryAfter: "42", resolves: 1},
		{name: "unavailable", target: "/dl/12?code=x", status: 503, reason: "unavailable", retryAfter: "5", resolves: 1},
		{name: "channel unreachable", target: "/dl/13?code=x", status: 503, reason: "log channel", retryAfter: "30", resolves: 1},
		{name: "busy", target: "/dl/14?code=x", status: 503, reason: "busy", retryAfter: "1", resolves: 1},
		{name: "unknown error", target: "/dl/15?code=x", status: 503, reason: "telegram request failed", retryAfter: "5", resolves: 1},
		{name: "stream redirect", target: "/dl/1?code=" + codeSmall + "=stream", status: 303, location: "/stream/1?code=" + codeSmall, resolves: 0},
		{name: "stream redirect escapes", target: "/dl/2?code=a%20b%26c=stream", status: 303, location: "/stream/2?code=a+b%26c", resolves: 0},
		{name: "ok", target: dl(1, codeSmall), status: 200, resolves: 1},
		{name: "ok code with specials", target: dl(2, codeBig), status: 200, resolves: 1},
		{name: "ok unescaped code", target: "/dl/2?code=s3cr3t%20Big;%2B%26%3Dx", status: 200, resolves: 1},
		{name: "head ok", method: "HEAD", target: dl(1, codeSmall), status: 200, resolves: 1},
		{name: "post", method: "POST", target: dl(1, codeSmall), status: 405, allow: "GET, HEAD, OPTIONS", resolves: 0},
		{name: "delete root", method: "DELETE", target: "/", status: 405, allow: "GET, HEAD, OPTIONS", resolves: 0},
		{name: "options", method: "OPTIONS", target: "/dl/1", status: 204, resolves: 0},
		{name: "unknown path", target: "/nope", status: 404, reason: "not found", resolves: 0},
		{name: "unknown path post", method: "POST", target: "/nope", status: 404, reason: "not found", resolves: 0},
		{name: "dl without id", target: "/dl/", status: 404, reason: "not found", resolves: 0},
		{name: "dl trailing slash", target: "/dl/1/?code=x", status: 404, reason: "not found", resolves: 0},
		{name: "player", target: "/stream/1?code=" + codeSmall, status: 200, resolves: 1},
		{name: "player wrong code", target: "/stream/1?code=x", status: 403, reason: "wrong code", resolves: 1},
		{name: "player no code", target: "/stream/1", status: 401, reason: "missing code", resolves: 0},
		{name: "player bad id", target: "/stream/x?code=x", status: 400, reason: "invalid message id", resolves: 0},
		{name: "player missing", target: "/stream/999?code=x", status: 404, reason: "message not found", resolves: 1},
		{name: "player flood", target: "/stream/11?code=x", status: 503, retryAfter: "42", resolves: 1},
		{name: "index", target: "/", status: 200, resolves: 0},
		{name: "health", target: "/healthz", status: 200, resolves: 0},
		{name: "static", target: "/static/style.css", status: 200, resolves: 0},
		{name: "static missing", target: "/static/nope.js", status: 404, resolves: 0},
		{name: "static dir", target: "/static/", status: 404, resolves: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			method := tt.method
			if method == "" {
				method = "GET"
			}
			w := e.do(method, tt.target)
			if w.Code != tt.status {
				t.Fatalf("%s %s: status %d, want %d; body %q", method, tt.target, w.Code, tt.status, w.Body.String())
			}
			if w.Code >= 400 {
				checkErrorResponse(t, w, method)
				if !strings.Contains(w.Body.String(), tt.reason) {
					t.Errorf("body %q does not contain %q", w.Body.String(), tt.reason)
				}
			}
			if got := w.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if tt.allow != "" && w.Header().Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", w.Header().Get("Allow"), tt.allow)
			}
			if got := e.files.resolveCalls(); tt.resolves >= 0 && got != tt.resolves {
				t.Errorf("%d Resolve calls, want %d", got, tt.resolves)
			}
			if w.Code != 200 && len(e.files.openCalls()) != 0 {
				t.Errorf("Open called for a %d: %v", w.Code, e.files.openCalls())
			}
			e.checkNoPanics()
		})
	}
}

// checkErrorResponse checks what every error shares: one line of
// text/plain, no caching, no file headers.
func checkErrorResponse(t *testing.T, w *httptest.ResponseRecorder, method string) {
	t.Helper()
	h := w.Header()
	if ct := h.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("error Content-Type %q", ct)
	}
	if cc := h.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("error Cache-Control %q", cc)
	}
	for _, k := range []string{"Content-Disposition", "ETag", "Last-Modified", "Content-Range"} {
		if v := h.Get(k); v != "" && !(k == "Content-Range" && w.Code == 416) {
			t.Errorf("error carries %s: %q", k, v)
		}
	}
	body := w.Body.String()
	if method == "HEAD" {
		if body != "" {
			t.Errorf("HEAD error has a body %q", body)
		}
		return
	}
	if !strings.HasSuffix(body, "\n") || strings.Count(body, "\n") != 1 || len(body) < 3 {
		t.Errorf("error body is not one line: %q", body)
	}
}

func TestWrongCodeRevealsNothing(t *testing.T) {
	e := newEnv(t, Options{})
	w := e.do("GET", "/dl/1?code=s3cr3t")
	for _, secret := range []string{codeSmall, "clip", "mp4", "video"} {
		if strings.Contains(w.Body.String(), secret) || strings.Contains(headerText(w.Header()), secret) {
			t.Errorf("403 reveals %q: %v %q", secret, w.Header(), w.Body.String())
		}
	}
}

func headerText(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}

func TestPreflight(t *testing.T) {
	e := newEnv(t, Options{})
	w := e.do("OPTIONS", "/dl/1?code=x", "Origin", "https://a.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range")
	want := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Range") {
		t.Errorf("Range not allowed: %q", w.Header().Get("Access-Control-Allow-Headers"))
	}
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("preflight %d %q", w.Code, w.Body.String())
	}
	if e.files.resolveCalls() != 0 {
		t.Errorf("preflight resolved the message")
	}
}

func TestCORSOnDownloads(t *testing.T) {
	e := newEnv(t, Options{})
	for _, target := range []string{dl(1, codeSmall), dl(1, "wrong"), "/dl/x"} {
		w := e.do("GET", target, "Range", "bytes=0-9")
		if w.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: no CORS", target)
		}
		expose := w.Header().Get("Access-Control-Expose-Headers")
		for _, k := range []string{"Content-Range", "Content-Length", "Accept-Ranges", "Content-Disposition", "ETag"} {
			if !strings.Contains(expose, k) {
				t.Errorf("%s: %s not exposed: %q", target, k, expose)
			}
		}
	}
}

func TestOpenErrorBecomesStatus(t *testing.T) {
	tests := []struct {
		err        error
		status     int
		retryAfter string
	}{
		{&stream.FloodWaitError{Wait: 90 * time.Second}, 503, "90"},
		{stream.ErrUnavailable, 503, "5"},
		{stream.ErrBusy, 503, "1"},
		{context.DeadlineExceeded, 504, ""},
		{errors.New("boom"), 503, "5"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			e := newEnv(t, Options{})
			e.files.openErr = tt.err
			for _, rng := range []string{"", "bytes=0-99", "bytes=-5"} {
				w := e.do("GET", dl(1, codeSmall), "Range", rng)
				if w.Code != tt.status || w.Header().Get("Retry-After") != tt.retryAfter {
					t.Fatalf("Range %q: %d Retry-After %q, want %d %q", rng, w.Code, w.Header().Get("Retry-After"), tt.status, tt.retryAfter)
				}
				checkErrorResponse(t, w, "GET")
				if w.Header().Get("Content-Length") != "" && w.Header().Get("Content-Length") != itoa(w.Body.Len()) {
					t.Errorf("Content-Length %q for a body of %d", w.Header().Get("Content-Length"), w.Body.Len())
				}
			}
			e.checkNoPanics()
		})
	}
}

// TestBodyFailureCutsConnection: once the status is out, a failing body
// must end in a transport error, never a short body that looks whole.
func TestBodyFailureCutsConnection(t *testing.T) {
	e := newEnv(t, Options{})
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	for i, rng := range []string{"", "bytes=0-", "bytes=1000-500000", "", "bytes=0-"} {
		e.files.mu.Lock()
		if i < 3 {
			e.files.failAfter, e.files.eofAfter = 100000, 0
		} else {
			e.files.failAfter, e.files.eofAfter = 0, 100000
		}
		e.files.mu.Unlock()
		req, _ := http.NewRequest("GET", srv.URL+dl(1, codeSmall), nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("Range %q: body read without error after a failure", rng)
		}
	}
}

// TestDisconnectStopsReads: the request context reaches Files.Open, and
// a client going away cancels it.
func TestDisconnectStopsReads(t *testing.T) {
	e := newEnv(t, Options{})
	opened := make(chan context.Context, 1)
	e.files.openHook = func(ctx context.Context) error {
		opened <- ctx
		<-ctx.Done()
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("GET", dl(1, codeSmall), nil).WithContext(ctx)
	done := make(chan struct{})
	w := httptest.NewRecorder()
	go func() {
		defer close(done)
		e.h.ServeHTTP(w, r)
	}()
	var openCtx context.Context
	select {
	case openCtx = <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("Open not called")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handler still running after the client left")
	}
	if openCtx.Err() == nil {
		t.Error("Open's context not cancelled")
	}
	if !strings.Contains(e.log.String(), "client_gone") {
		t.Errorf("log does not say the client went away:\n%s", e.log.String())
	}
}

func TestRequestTimeout(t *testing.T) {
	e := newEnv(t, Options{Profile: platform.Profile{Name: "vercel", RequestTimeout: 50 * time.Millisecond}})
	start := time.Now()
	w := e.do("GET", "/dl/16?code=x")
	if w.Code != 504 {
		t.Fatalf("status %d, want 504", w.Code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	checkErrorResponse(t, w, "GET")
}

func TestBusyStreams(t *testing.T) {
	e := newEnv(t, Options{MaxStreams: 2})
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	e.files.openHook = func(ctx context.Context) error {
		started <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	results := make(chan int, 2)
	for range 2 {
		go func() { results <- e.do("GET", dl(4, codeSmall)).Code }()
	}
	<-started
	<-started
	w := e.do("GET", dl(4, codeSmall))
	if w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Errorf("third stream: %d Retry-After %q, want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	checkErrorResponse(t, w, "GET")
	// HEAD and the player need no stream slot.
	if w := e.do("HEAD", dl(4, codeSmall)); w.Code != 200 {
		t.Errorf("HEAD while full: %d", w.Code)
	}
	if w := e.do("GET", "/stream/4?code="+codeSmall); w.Code != 200 {
		t.Errorf("player while full: %d", w.Code)
	}
	close(release)
	for range 2 {
		if c := <-results; c != 200 {
			t.Errorf("held stream ended %d", c)
		}
	}
	e.files.openHook = nil
	if w := e.do("GET", dl(4, codeSmall)); w.Code != 200 {
		t.Errorf("after release: %d", w.Code)
	}
}

func TestPanicRecovered(t *testing.T) {
	var log tgfake.LogBuffer
	s := &server{log: slog.New(slog.NewTextHandler(&log, nil))}
	h := s.withLog(s.withRecover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("bug")
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/dl/1?code=secret", nil))
	if w.Code != 500 || w.Body.String() != "internal error\n" {
		t.Errorf("panic answered %d %q", w.Code, w.Body.String())
	}
	if !strings.Contains(log.String(), "panic") || strings.Contains(log.String(), "secret") {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestNilFiles(t *testing.T) {
	h := New(Options{Logger: slog.New(slog.DiscardHandler)})
	for target, status := range map[string]int{"/": 200, "/healthz": 200, "/dl/1?code=x": 503, "/stream/1?code=x": 503} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code != status {
			t.Errorf("%s: %d, want %d", target, w.Code, status)
		}
	}
}

func TestLogLines(t *testing.T) {
	e := newEnv(t, Options{})
	targets := []string{dl(1, codeSmall), dl(1, "wrong-code-xyz"), "/dl/1?code=" + codeSmall + "=stream", "/stream/1?code=" + codeSmall, "/dl/11?code=" + codeSmall}
	for _, target := range targets {
		e.do("GET", target, "Range", "bytes=0-9")
	}
	log := e.log.String()
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != len(targets) {
		t.Fatalf("%d log lines for %d requests:\n%s", len(lines), len(targets), log)
	}
	for _, secret := range []string{codeSmall, "wrong-code-xyz", "code="} {
		if strings.Contains(log, secret) {
			t.Errorf("log holds %q:\n%s", secret, log)
		}
	}
	for _, want := range []string{"route=/dl/{id}", "status=206", "bytes=10", "status=403", "error=wrong_code", "status=303", "route=/stream/{id}", "error=flood_wait", "duration="} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
