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

	// Three wrong codes for message 1 lock (address, message 1).
	for range 3 {
		if c := from(guesser, dl(1, "guess")); c != 403 {
			t.Fatalf("wrong code: %d", c)
		}
	}
	resolves := files.resolveCalls()
	if c := from(guesser, dl(1, "guess")); c != 429 {
		t.Errorf("fourth guess: %d, want 429", c)
	}
	if c := from(neighbour, dl(1, codeSmall)); c != 429 {
		t.Errorf("right code for the guessed message from the same address: %d, want 429 (the trade-off)", c)
	}
	if files.resolveCalls() != resolves {
		t.Error("a locked link reached Resolve")
	}
	// Other messages still open with the right code.
	if c := from(neighbour, dl(5, codeSmall)); c != 200 {
		t.Errorf("right code for another message from the same address: %d, want 200", c)
	}

	// Unknown ids count in the address's budget (2 × 3 failures in all):
	// three misses more use it up.
	for id := 1000; id < 1003; id++ {
		if c := from(guesser, dl(id, "x")); c != 404 {
			t.Fatalf("unknown id %d: %d", id, c)
		}
	}
	resolves = files.resolveCalls()
	if c := from(guesser, dl(2000, "x")); c != 429 {
		t.Errorf("an unknown id over the budget: %d, want 429", c)
	}
	if c := from(neighbour, dl(5, codeSmall)); c != 429 {
		t.Errorf("a right code for an uncached message over the budget: %d, want 429", c)
	}
	if files.resolveCalls() != resolves {
		t.Error("an address over its budget reached Resolve")
	}
	// A right code for a cached message still passes; a wrong one does not.
	if c := from(neighbour, dl(4, codeSmall)); c != 200 {
		t.Errorf("right code for a cached message over the budget: %d, want 200", c)
	}
	if c := from(guesser, dl(4, "guess")); c != 429 {
		t.Errorf("wrong code for a cached message over the budget: %d, want 429", c)
	}
	// Another address is not affected.
	if c := from("198.51.100.2:1", dl(5, codeSmall)); c != 200 {
		t.Errorf("other address: %d", c)
	}
}
