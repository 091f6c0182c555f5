package tgclient

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/telegram"
)

// connState follows the state of gotd's primary connection (to the home
// DC), so that calls do not pile onto a Telegram that cannot be reached.
// While it is down, a call waits for it to come back, but only until it
// has been down for the grace period (the RPC timeout): from then on calls
// fail at once with ErrNotConnected until it is back.
//
// Without it every call made during an outage waits out its whole
// deadline, and a call on a download pool spends that time redialling
// without pause (gotd's pool retries a dead connection at once), once per
// retry of every part.
type connState struct {
	grace time.Duration

	mu        sync.Mutex
	ready     chan struct{} // closed while the connection is ready
	downSince time.Time     // when it stopped being ready
	isReady   bool
}

func newConnState(grace time.Duration) *connState {
	// A new connection is connecting: the same grace as any outage.
	return &connState{grace: grace, ready: make(chan struct{}), downSince: time.Now()}
}

// set records a state change reported by gotd (OnConnectionState).
func (l *connState) set(s telegram.ConnectionState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch up := s == telegram.ConnectionStateReady; {
	case up && !l.isReady:
		l.isReady = true
		close(l.ready)
	case !up && l.isReady:
		l.isReady = false
		l.ready = make(chan struct{})
		l.downSince = time.Now()
	}
}

// wait returns nil once the connection is ready, or ErrNotConnected when it
// has been down for the grace period.
func (l *connState) wait(ctx context.Context) error {
	l.mu.Lock()
	ready, since := l.ready, l.downSince
	l.mu.Unlock()
	select {
	case <-ready:
		return nil
	default:
	}
	left := time.Until(since.Add(l.grace))
	if left <= 0 {
		return fmt.Errorf("%w: connection down for %s", ErrNotConnected, time.Since(since).Round(time.Second))
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-ready:
		return nil
	case <-t.C:
		return fmt.Errorf("%w: connection down for %s", ErrNotConnected, l.grace)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// downFor is how long the connection has not been ready (0 while it is).
func (l *connState) downFor() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isReady {
		return 0
	}
	return time.Since(l.downSince)
}
