package web

import (
	"strings"
	"testing"
)

// A request's log line carries the message id, the range asked and the
// bytes sent; never the code.
func TestLogLineHasIDRangeAndBytes(t *testing.T) {
	e := newEnv(t, Options{})
	e.do("GET", dl(1, codeSmall), "Range", "bytes=100-199")
	e.do("GET", "/stream/4?code="+codeSmall)
	e.do("GET", "/dl/abc?code="+codeSmall)
	e.do("GET", dl(1, codeSmall), "Range", "bytes=0-1,"+strings.Repeat("5-6,", 100)+"\nfake=line")
	lines := strings.Split(strings.TrimSpace(e.log.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), e.log.String())
	}
	for i, want := range [][]string{
		{"id=1", `range="bytes=100-199"`, "status=206", "bytes=100"},
		{"id=4", "route=/stream/{id}", "status=200"},
		{"route=/dl/{id}", "status=400"},
		{"id=1", "…"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %q: %s", i, w, lines[i])
			}
		}
	}
	if strings.Contains(lines[2], "id=") || strings.Contains(e.log.String(), codeSmall) {
		t.Errorf("a bad id or the code was logged:\n%s", e.log.String())
	}
	if len(lines[3]) > 400 {
		t.Errorf("an unbounded range in the log: %d bytes", len(lines[3]))
	}
}
