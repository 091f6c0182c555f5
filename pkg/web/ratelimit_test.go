package web

import (
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestRateLimitHandler(t *testing.T) {
	e := newEnv(t, Options{CodeFailuresPerMinute: 3})
	from := func(addr, target string) int {
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code == 429 {
			if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
				t.Errorf("429 Retry-After %q", w.Header().Get("Retry-After"))
			}
			checkErrorResponse(t, w, "GET")
		}
		return w.Code
	}
	// Two wrong codes and one missing code use up the budget.
	for _, target := range []string{dl(1, "a"), "/stream/1?code=b", "/dl/1"} {
		if c := from("198.51.100.1:1111", target); c != 403 && c != 401 {
			t.Fatalf("%s: %d", target, c)
		}
	}
	resolves := e.files.resolveCalls()
	// Now even the right code is refused, before any Telegram call.
	for _, target := range []string{dl(1, codeSmall), "/stream/1?code=" + codeSmall, dl(1, "c")} {
		if c := from("198.51.100.1:2222", target); c != 429 {
			t.Errorf("%s after the limit: %d, want 429", target, c)
		}
	}
	if e.files.resolveCalls() != resolves {
		t.Error("a limited client reached Resolve")
	}
	// Other clients are not affected; a bad id or a page without a code
	// is not a guess.
	if c := from("198.51.100.2:1111", dl(1, codeSmall)); c != 200 {
		t.Errorf("other client: %d", c)
	}
	if c := from("198.51.100.1:3333", "/"); c != 200 {
		t.Errorf("index for a limited client: %d", c)
	}
	// An IP without port (Vercel) is the same client.
	if c := from("198.51.100.1", dl(1, codeSmall)); c != 429 {
		t.Errorf("same IP without port: %d", c)
	}
	// IPv6 clients count by /64.
	for i := range 3 {
		from("[2001:db8:1:2::"+strconv.Itoa(i+1)+"]:443", dl(1, "x"))
	}
	if c := from("[2001:db8:1:2:ffff::9]:443", dl(1, codeSmall)); c != 429 {
		t.Errorf("same /64: %d", c)
	}
	if c := from("[2001:db8:1:3::1]:443", dl(1, codeSmall)); c != 200 {
		t.Errorf("other /64: %d", c)
	}
}

func TestRateLimitDisabled(t *testing.T) {
	e := newEnv(t, Options{CodeFailuresPerMinute: -1})
	for range 50 {
		e.do("GET", dl(1, "x"))
	}
	if c := e.do("GET", dl(1, codeSmall)).Code; c != 200 {
		t.Errorf("%d with the limit off", c)
	}
}

func TestRateLimitDefault(t *testing.T) {
	e := newEnv(t, Options{})
	for range DefaultCodeFailuresPerMinute {
		if c := e.do("GET", dl(1, "x")).Code; c != 403 {
			t.Fatalf("%d before the default limit", c)
		}
	}
	if c := e.do("GET", dl(1, "x")).Code; c != 429 {
		t.Errorf("%d after the default limit", c)
	}
}
