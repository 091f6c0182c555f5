package tgclient

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
)

// heldInvoker blocks every call until release, counting the calls on it.
type heldInvoker struct {
	mu      sync.Mutex
	now     int
	most    int
	release chan struct{}
}

func (h *heldInvoker) Invoke(ctx context.Context, _ bin.Encoder, _ bin.Decoder) error {
	h.mu.Lock()
	h.now++
	h.most = max(h.most, h.now)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.now--
		h.mu.Unlock()
	}()
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestLanesBoundCallsPerConnection: with 3 lanes of 2 calls each, 10 calls
// put 2 on every lane and wait for the other 4; a lane joining later takes
// waiters at once; a waiter that gives up takes no slot.
func TestLanesBoundCallsPerConnection(t *testing.T) {
	release := make(chan struct{})
	ls := newLanes(2)
	conns := make([]*heldInvoker, 4)
	for i := range conns {
		conns[i] = &heldInvoker{release: release}
	}
	for _, c := range conns[:3] {
		ls.add(c)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ls.Invoke(context.Background(), nil, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	waitWaiting := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			ls.mu.Lock()
			w := len(ls.waiting)
			ls.mu.Unlock()
			if w == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d calls waiting, want %d", w, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitWaiting(4)
	if got := ls.inFlight(); len(got) != 3 || got[0] != 2 || got[1] != 2 || got[2] != 2 {
		t.Errorf("calls per lane %v, want [2 2 2]", got)
	}
	// A waiter that gives up leaves the queue.
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- ls.Invoke(ctx, nil, nil) }()
	waitWaiting(5)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled waiter returned %v", err)
	}
	waitWaiting(4)
	ls.add(conns[3]) // takes two waiters
	waitWaiting(2)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		conns[3].mu.Lock()
		now := conns[3].now
		conns[3].mu.Unlock()
		if now == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls on the new lane, want 2", now)
		}
	}
	close(release)
	wg.Wait()
	for i, c := range conns {
		if c.most != 2 {
			t.Errorf("connection %d carried at most %d calls at once, want 2", i, c.most)
		}
	}
	if got := ls.inFlight(); got[0]+got[1]+got[2]+got[3] != 0 {
		t.Errorf("calls per lane after all returned %v", got)
	}
}

// TestLaneThatFreesFirstTakesTheCall: of lanes with as many calls, the one
// whose oldest call was sent first (it answers first) gets the next call.
func TestLaneThatFreesFirstTakesTheCall(t *testing.T) {
	ls := newLanes(2)
	ls.add(&heldInvoker{})
	ls.add(&heldInvoker{})
	a, b := ls.all[0], ls.all[1]
	take := func() *lane {
		t.Helper()
		ln, err := ls.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}
	if take() != a || take() != b {
		t.Fatal("two idle lanes did not take one call each")
	}
	t0 := time.Now()
	a.sent[0], b.sent[0] = t0.Add(-time.Second), t0 // a's call is older
	if ln := take(); ln != a {
		t.Errorf("the call went to the lane whose call is newer")
	}
	ls.put(a) // a's old call answered: its remaining call is now the newer
	a.sent[0] = t0.Add(time.Second)
	if ln := take(); ln != b {
		t.Errorf("the call went to the lane whose oldest call is newer")
	}
	if got := ls.inFlight(); got[0] != 1 || got[1] != 2 {
		t.Errorf("calls per lane %v, want [1 2]", got)
	}
}
