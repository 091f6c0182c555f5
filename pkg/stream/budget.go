package stream

import (
	"context"
	"sync"
	"sync/atomic"
)

// budget is the memory all streams together may hold in prefetched parts.
// It is shared fairly: a stream that holds nothing may always queue for its
// next part, but a stream prefetches beyond one part only while it holds
// less than its share (total / open streams). Waiters are served first come,
// first served, so a new stream is not starved by established ones.
// Hand-written because semaphore.Weighted serves strictly in order and
// cannot pass over a waiter that is above its share.
type budget struct {
	mu      sync.Mutex
	free    int64
	total   int64
	streams int64
	queue   []*budgetWaiter
}

type budgetWaiter struct {
	n       int64
	held    *atomic.Int64
	granted chan struct{}
}

func newBudget(total int64) *budget {
	return &budget{free: total, total: total}
}

// register counts an open stream among those that share the budget (until
// unregister), and returns how many there are with it.
func (b *budget) register() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.streams++
	return b.streams
}

func (b *budget) unregister() {
	b.mu.Lock()
	b.streams--
	b.grantLocked()
	b.mu.Unlock()
}

// acquire takes n bytes for a stream that holds *held bytes now, waiting
// until they are free and within the stream's share, or ctx is done.
func (b *budget) acquire(ctx context.Context, n int64, held *atomic.Int64) error {
	w := &budgetWaiter{n: min(n, b.total), held: held, granted: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, w)
	b.grantLocked()
	b.mu.Unlock()
	select {
	case <-w.granted:
		return nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.granted: // granted while we gave up: give it back
		b.free += w.n
		held.Add(-w.n)
		b.grantLocked()
	default:
		for i, q := range b.queue {
			if q == w {
				b.queue = append(b.queue[:i], b.queue[i+1:]...)
				break
			}
		}
	}
	return ctx.Err()
}

func (b *budget) release(n int64, held *atomic.Int64) {
	b.mu.Lock()
	b.free += min(n, b.total)
	held.Add(-min(n, b.total))
	b.grantLocked()
	b.mu.Unlock()
}

// grantLocked serves the queue in order. A waiter over its share is passed
// over (it holds memory already and will be reconsidered when it releases);
// a waiter that does not fit in what is free stops the queue, so large
// demands are not overtaken forever.
func (b *budget) grantLocked() {
	share := b.total / max(b.streams, 1)
	kept := b.queue[:0]
	blocked := false
	for _, w := range b.queue {
		h := w.held.Load()
		switch {
		case blocked || (h > 0 && h+w.n > share):
			kept = append(kept, w)
		case b.free < w.n:
			blocked = true
			kept = append(kept, w)
		default:
			b.free -= w.n
			w.held.Add(w.n)
			close(w.granted)
		}
	}
	clear(b.queue[len(kept):])
	b.queue = kept
}

// inUse reports the bytes held now.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total - b.free
}
