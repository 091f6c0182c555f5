package main

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzEvent: any payload is either refused with errNotHTTPEvent or a
// request newRequest builds or refuses; nothing panics.
func FuzzEvent(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `"x"`, `{"version":"1.0","httpMethod":"GET","path":"/"}`,
		string(raw(functionURLEvent("GET", "/dl/1?code=x", map[string]string{"Range": "bytes=0-1,5-6"}))),
		`{"version":"2.0","rawPath":"nope","requestContext":{"http":{"method":"GET"}}}`,
		`{"version":"2.0","rawPath":"/","isBase64Encoded":true,"body":"%%","requestContext":{"http":{"method":"G ET"}}}`,
		`{"version":"2.0","rawPath":"/","requestContext":{"stage":"prod","http":{"method":"GET"}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := decodeEvent(json.RawMessage(payload))
		if err != nil {
			return
		}
		if ev.Version != "2.0" || ev.RequestContext.HTTP.Method == "" {
			t.Fatalf("accepted %q", payload)
		}
		_ = checkStage(ev)
		if r, err := newRequest(context.Background(), ev); err == nil && r.URL.Path == "" && r.URL.RawPath == "" && r.URL.Opaque == "" {
			t.Fatalf("request without a path from %q", payload)
		}
	})
}
