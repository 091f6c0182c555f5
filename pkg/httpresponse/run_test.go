package httpresponse_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/filetolink/filetolink/pkg/httpresponse"
)

func TestRun(t *testing.T) {
	for _, tt := range []struct {
		name       string
		method     string
		h          http.HandlerFunc
		status     int
		body       string
		incomplete bool
	}{
		{"whole", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		}, 200, "hello", false},
		{"nothing written is 200", "GET", func(w http.ResponseWriter, r *http.Request) {}, 200, "", false},
		{"short body", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(206)
			io.WriteString(w, "hello")
		}, 206, "hello", true},
		{"short HEAD is whole", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
		}, 200, "", false},
		{"panic before the status is a 500", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Leak", "1")
			panic("boom")
		}, 500, "internal error\n", false},
		{"abort before the status is a 502", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Leak", "1")
			panic(http.ErrAbortHandler)
		}, 502, httpresponse.MsgBrokeOff + "\n", false},
		{"panic after the status", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hel")
			panic("boom")
		}, 200, "hel", true},
		{"abort after the status", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hel")
			panic(http.ErrAbortHandler)
		}, 200, "hel", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body bytes.Buffer
			w := httpresponse.New(tt.method, &body, nil)
			err := httpresponse.Run(tt.h, w, httptest.NewRequest(tt.method, "/x", nil))
			if (err != nil) != tt.incomplete || err != nil && !errors.Is(err, httpresponse.ErrIncomplete) {
				t.Errorf("Run = %v, want incomplete: %v", err, tt.incomplete)
			}
			if w.Status() != tt.status || body.String() != tt.body {
				t.Errorf("got %d %q, want %d %q", w.Status(), body.String(), tt.status, tt.body)
			}
			if tt.status >= 500 {
				h := w.SentHeader()
				if h.Get("X-Leak") != "" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Length") != strconv.Itoa(len(tt.body)) {
					t.Errorf("headers of the failure answer: %v", h)
				}
			}
		})
	}
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
