package web

import (
	"strconv"
	"strings"
	"testing"
)

// A browser navigation that ends in an error gets a page in the player's
// style with the reason and what to do; every other client the one-line
// text/plain reason.
func TestErrorPageForNavigations(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		target string
		status int
		reason string
		hint   string
	}{
		{dl(1, "nope"), 403, "wrong code", "Copy the whole link again"},
		{"/stream/1", 401, "missing code", "lacks its code"},
		{"/dl/999?code=x", 404, "message not found", "Ask the sender"},
		{"/dl/abc?code=x", 400, "invalid message id", "message id"},
		{"/dl/12?code=x", 503, "unavailable", "Try again"},
		{"/nope", 404, "not found", "Check the address"},
	}
	for _, tt := range tests {
		for _, nav := range [][]string{{"Sec-Fetch-Mode", "navigate"}, {"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}} {
			w := e.do("GET", tt.target, nav...)
			body := w.Body.String()
			if w.Code != tt.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Errorf("%s %v: %d %q, want an HTML %d", tt.target, nav, w.Code, w.Header().Get("Content-Type"), tt.status)
				continue
			}
			if !strings.Contains(body, `id="reason">`) || !strings.Contains(body, tt.reason) || !strings.Contains(body, tt.hint) || !strings.Contains(body, "/static/style.css") {
				t.Errorf("%s: the page lacks the reason %q or the hint %q:\n%s", tt.target, tt.reason, tt.hint, body)
			}
			h := w.Header()
			if h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") || h.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("%s: headers %v", tt.target, h)
			}
			if head := e.do("HEAD", tt.target, nav...); head.Code != tt.status || head.Body.Len() != 0 || head.Header().Get("Content-Length") != h.Get("Content-Length") {
				t.Errorf("HEAD %s: %d, %d bytes, Content-Length %q", tt.target, head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
			}
		}
		// Not a navigation: a media element, fetch, curl.
		for _, other := range [][]string{nil, {"Sec-Fetch-Mode", "no-cors", "Accept", "video/*"}, {"Accept", "*/*"}} {
			w := e.do("GET", tt.target, other...)
			if w.Code != tt.status || w.Header().Get("Content-Type") != "text/plain; charset=utf-8" ||
				!strings.Contains(w.Body.String(), tt.reason) || strings.Count(w.Body.String(), "\n") != 1 {
				t.Errorf("%s %v: %d %q %q, want one line of text", tt.target, other, w.Code, w.Header().Get("Content-Type"), w.Body.String())
			}
		}
	}
}

// The 416 says in words what was wrong and how big the file is, not Go's
// "invalid range: failed to overlap", and keeps Content-Range: bytes */SIZE.
func TestUnsatisfiableRangeReason(t *testing.T) {
	e := newEnv(t, Options{})
	for _, rng := range []string{"bytes=999999999-", "bytes=" + strconv.Itoa(sizeSmall) + "-"} {
		w := e.do("GET", dl(1, codeSmall), "Range", rng)
		body := w.Body.String()
		if w.Code != 416 || w.Header().Get("Content-Range") != "bytes */"+strconv.Itoa(sizeSmall) {
			t.Fatalf("%s: %d %v", rng, w.Code, w.Header())
		}
		if strings.Contains(body, "failed to overlap") || !strings.Contains(body, strconv.Itoa(sizeSmall)+" bytes") ||
			strings.Count(body, "\n") != 1 || w.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("%s: body %q", rng, body)
		}
		if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Disposition") != "" || w.Header().Get("ETag") != "" {
			t.Errorf("%s: headers %v", rng, w.Header())
		}
	}
}

// Path-cleaning redirects are not cached: the canonical form is this
// deployment's, and a CDN must not keep it.
func TestCleanPathRedirect(t *testing.T) {
	e := newEnv(t, Options{})
	for target, want := range map[string]string{
		"//dl/1?code=x":      "/dl/1?code=x",
		"/dl/../dl/1?code=x": "/dl/1?code=x",
		"/static/../healthz": "/healthz",
		"/./":                "/",
	} {
		w := e.do("GET", target)
		h := w.Header()
		if w.Code != 307 || h.Get("Location") != want || h.Get("Cache-Control") != "no-store" ||
			h.Get("Content-Type") != "text/plain; charset=utf-8" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d %v", target, w.Code, h)
		}
	}
}
