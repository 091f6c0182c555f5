package handler

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/filetolink/filetolink/internal/testkit"
)

// TestServeKeepsAnswersWhole drives serve with the handlers every adapter
// runs through the Vercel runtime model: what the runtime would send as it
// is must never be a response with missing bytes, so a broken answer is a
// 502.
func TestServeKeepsAnswersWhole(t *testing.T) {
	for _, tc := range testkit.Handlers {
		t.Run(tc.Name, func(t *testing.T) {
			fn := func(w http.ResponseWriter, r *http.Request) { serve(tc.Serve, w, r) }
			req, _ := json.Marshal(vercelRequest{Method: tc.Method, Path: "/dl/1?code=x", Headers: map[string]headerValues{}})
			event, _ := json.Marshal(map[string]string{"body": string(req)})
			out, err := invokeVercel(fn, event)
			if err != nil {
				t.Fatal(err)
			}
			var resp vercelResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatal(err)
			}
			body, err := base64.StdEncoding.DecodeString(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.Want
			if want.Broken {
				want = testkit.BrokeOff
			}
			want.Check(t, resp.StatusCode, http.Header(resp.Headers), string(body), false)
		})
	}
}
