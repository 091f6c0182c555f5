// Package testkit holds the helpers the tests of several packages share,
// so that each is written once.
package testkit

import (
	"net"
	"net/http"
	"os"
	"strconv"
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

// PeakRSS is this process's peak resident set (VmHWM in
// /proc/self/status), in bytes; 0 where there is none.
func PeakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
