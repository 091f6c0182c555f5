package web

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// streamWait is how long a download waits for a free stream slot before
// it is turned away with 503.
const streamWait = 250 * time.Millisecond

// clientShare is the part of the slots one client address may hold: a
// client holding requests open cannot take them all.
const clientShare = 8

// minClientSlots is the least a client may hold, however few slots there
// are (a player's request and a download's).
const minClientSlots = 2

// streamSlots are MaxStreams slots for /dl bodies, at most perClient of
// them for one client address (clientKey).
type streamSlots struct {
	all       chan struct{}
	perClient int

	mu   sync.Mutex
	held map[string]int // slots held per client, only clients holding some
}

func newStreamSlots(n int) *streamSlots {
	return &streamSlots{
		all:       make(chan struct{}, n),
		perClient: min(n, max(n/clientShare, minClientSlots)),
		held:      map[string]int{},
	}
}

var (
	errStreamsFull = &httpError{status: http.StatusServiceUnavailable, reason: "too many downloads at once; retry shortly", retryAfter: retryBusy, class: classStreamsFull}
	errClientFull  = &httpError{status: http.StatusServiceUnavailable, reason: "too many downloads from your address at once; retry when one ends", retryAfter: retryBusy, class: classClientStreamsFull}
)

// acquire takes a slot for client, waiting at most streamWait for one of
// all; a client at its share is turned away at once.
func (s *streamSlots) acquire(ctx context.Context, client string) (release func(), herr *httpError) {
	s.mu.Lock()
	if s.held[client] >= s.perClient {
		s.mu.Unlock()
		return nil, errClientFull
	}
	s.held[client]++
	s.mu.Unlock()
	unhold := func() {
		s.mu.Lock()
		if s.held[client]--; s.held[client] <= 0 {
			delete(s.held, client)
		}
		s.mu.Unlock()
	}
	release = func() { <-s.all; unhold() }
	select {
	case s.all <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(streamWait)
	defer t.Stop()
	select {
	case s.all <- struct{}{}:
		return release, nil
	case <-t.C:
	case <-ctx.Done():
	}
	unhold()
	return nil, errStreamsFull
}
