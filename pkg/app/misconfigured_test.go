package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestMisconfiguredAnswer: the 503 of a service without a valid
// configuration is the adapters' one-line text answer (it used to lack
// nosniff and Content-Length), plus Retry-After, and names the problem.
func TestMisconfiguredAnswer(t *testing.T) {
	h := misconfigured(errors.New("invalid configuration: API_ID: not a number"))
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/dl/1?code=x", nil))
		want := "service not configured: API_ID: not a number\n"
		hdr := rec.Result().Header
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d", method, rec.Code)
		}
		for k, v := range map[string]string{
			"Content-Type":           "text/plain; charset=utf-8",
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
			"Retry-After":            "60",
			"Content-Length":         strconv.Itoa(len(want)),
		} {
			if got := hdr.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", method, k, got, v)
			}
		}
		if method == http.MethodHead {
			want = ""
		}
		if got := rec.Body.String(); got != want {
			t.Errorf("%s: body %q, want %q", method, got, want)
		}
	}
}
