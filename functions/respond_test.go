package handler

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// TestServeKeepsAnswersWhole drives serve with small handlers through the
// Vercel runtime model: what the runtime would send as it is must never be
// a response with missing bytes.
func TestServeKeepsAnswersWhole(t *testing.T) {
	tests := []struct {
		name   string
		method string
		h      http.HandlerFunc
		status int
		body   string
	}{
		{"whole", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			w.WriteHeader(206)
			io.WriteString(w, "hello")
		}, 206, "hello"},
		{"short body is a 502", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(206)
			io.WriteString(w, "hello")
		}, 502, "the response broke off; retry\n"},
		{"aborted is a 502", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hel")
			panic(http.ErrAbortHandler)
		}, 502, "the response broke off; retry\n"},
		{"panic is a 500", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Leak", "1")
			panic("boom")
		}, 500, "internal error\n"},
		{"first status wins", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			w.WriteHeader(200)
			io.WriteString(w, "nope")
		}, 404, "nope"},
		{"HEAD has no body", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		}, 200, ""},
		{"304 has no body", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(304)
			io.WriteString(w, "hello")
		}, 304, ""},
		{"nothing written is 200", "GET", func(w http.ResponseWriter, r *http.Request) {}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := func(w http.ResponseWriter, r *http.Request) { serve(tt.h, w, r) }
			req, _ := json.Marshal(vercelRequest{Method: tt.method, Path: "/dl/1?code=x", Headers: map[string]headerValues{}})
			event, _ := json.Marshal(map[string]string{"body": string(req)})
			out, err := invokeVercel(fn, event)
			if err != nil {
				t.Fatal(err)
			}
			var resp vercelResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatal(err)
			}
			body, _ := base64.StdEncoding.DecodeString(resp.Body)
			if resp.StatusCode != tt.status || string(body) != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if resp.StatusCode >= 500 {
				if _, ok := resp.Headers["X-Leak"]; ok {
					t.Errorf("headers of the failed answer were sent: %v", resp.Headers)
				}
				if ct := resp.Headers["Content-Type"]; len(ct) != 1 || ct[0] != "text/plain; charset=utf-8" {
					t.Errorf("Content-Type %v", ct)
				}
			}
		})
	}
}
