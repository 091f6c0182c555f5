package web

import (
	"net/http/httptest"
	"testing"

	"github.com/filetolink/filetolink/pkg/stream"
)

// cachingFiles is memFiles that tells some messages as cached.
type cachingFiles struct {
	*memFiles
	cached map[int]bool
}

func (c *cachingFiles) Cached(id int) (*stream.File, bool) {
	if !c.cached[id] {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.files[id]
	return f, ok
}

// TestGuessLimits: a guesser is stopped per message and, in all, before
// Telegram calls; someone behind the same address with a right link is not
// locked out of other messages, nor of a cached one.
func TestGuessLimits(t *testing.T) {
	base := newEnv(t, Options{})
	files := &cachingFiles{memFiles: base.files, cached: map[int]bool{4: true}}
	h := New(Options{Files: files, CodeFailuresPerMinute: 3})
	from := func(addr, target string) int {
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const guesser, neighbour = "198.51.100.1:1111", "198.51.100.1:2222" // one NAT
	type step struct {
		from, target string
		want         int
		what         string
	}
	// check runs steps; with noResolve none of them may reach Resolve.
	check := func(noResolve string, steps ...step) {
		t.Helper()
		resolves := files.resolveCalls()
		for _, s := range steps {
			if c := from(s.from, s.target); c != s.want {
				t.Errorf("%s: %d, want %d", s.what, c, s.want)
			}
		}
		if noResolve != "" && files.resolveCalls() != resolves {
			t.Error(noResolve + " reached Resolve")
		}
	}

	// Three wrong codes for message 1 lock (address, message 1).
	for range 3 {
		if c := from(guesser, dl(1, "guess")); c != 403 {
			t.Fatalf("wrong code: %d", c)
		}
	}
	check("a locked link",
		step{guesser, dl(1, "guess"), 429, "fourth guess"},
		step{neighbour, dl(1, codeSmall), 429, "right code for the guessed message from the same address (the trade-off)"},
	)
	check("", step{neighbour, dl(5, codeSmall), 200, "right code for another message from the same address"})

	// Unknown ids count in the address's budget (2 × 3 failures in all):
	// three misses more use it up.
	for id := 1000; id < 1003; id++ {
		if c := from(guesser, dl(id, "x")); c != 404 {
			t.Fatalf("unknown id %d: %d", id, c)
		}
	}
	check("an address over its budget",
		step{guesser, dl(2000, "x"), 429, "an unknown id over the budget"},
		step{neighbour, dl(5, codeSmall), 429, "a right code for an uncached message over the budget"},
	)
	check("",
		// A right code for a cached message still passes; a wrong one does not.
		step{neighbour, dl(4, codeSmall), 200, "right code for a cached message over the budget"},
		step{guesser, dl(4, "guess"), 429, "wrong code for a cached message over the budget"},
		// Another address is not affected.
		step{"198.51.100.2:1", dl(5, codeSmall), 200, "other address"},
	)
}
