package httpresponse_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/pkg/httpresponse"
)

// TestRun runs the handlers every adapter runs: their answers, as Run
// leaves them, are the ones testkit.Handlers state.
func TestRun(t *testing.T) {
	testkit.RunHandlers(t, func(t *testing.T, tc testkit.HandlerCase) {
		var body bytes.Buffer
		w := httpresponse.New(tc.Method, &body, nil)
		err := httpresponse.Run(tc.Serve, w, httptest.NewRequest(tc.Method, "/x", nil))
		if err != nil && !errors.Is(err, httpresponse.ErrIncomplete) {
			t.Errorf("Run = %v, not ErrIncomplete", err)
		}
		tc.Want.Check(t, w.Status(), w.SentHeader(), body.String(), err != nil)
	})
}

func TestWriteText(t *testing.T) {
	for _, method := range []string{"GET", "HEAD"} {
		rec := httptest.NewRecorder()
		rec.Header().Set("Retry-After", "60")
		httpresponse.WriteText(rec, httptest.NewRequest(method, "/", nil), 503, "not configured")
		h := rec.Result().Header
		want := map[string]string{
			"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store",
			"X-Content-Type-Options": "nosniff", "Content-Length": "15", "Retry-After": "60",
		}
		for k, v := range want {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", method, k, h.Get(k), v)
			}
		}
		body := "not configured\n"
		if method == "HEAD" {
			body = ""
		}
		if rec.Code != 503 || rec.Body.String() != body {
			t.Errorf("%s: %d %q", method, rec.Code, rec.Body.String())
		}
	}
}
