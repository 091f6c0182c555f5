// Package testkit holds the helpers the tests of several packages share,
// so that each is written once.
package testkit

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// FreePort returns a TCP port free on 127.0.0.1 just now.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// CheckOneLineError checks the shape every error answer of the service
// has to a client that is not a browser: text/plain, one line.
func CheckOneLineError(tb testing.TB, what string, h http.Header, body []byte) {
	tb.Helper()
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		tb.Errorf("%s: Content-Type %q, want text/plain", what, ct)
	}
	if b := string(body); !strings.HasSuffix(b, "\n") || strings.Count(b, "\n") != 1 || len(b) < 3 {
		tb.Errorf("%s: body %q is not one line", what, b)
	}
}
