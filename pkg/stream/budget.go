package stream

import (
	"context"
	"sync"
)

// budget is the memory all streams together may hold in prefetched parts:
// a weighted semaphore whose waiters are woken on every release.
type budget struct {
	mu       sync.Mutex
	free     int64
	total    int64
	released chan struct{} // closed and replaced on every release
}

func newBudget(total int64) *budget {
	return &budget{free: total, total: total, released: make(chan struct{})}
}

func (b *budget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.total {
		n = b.total // a part larger than the whole budget still gets to run alone
	}
	if b.free < n {
		return false
	}
	b.free -= n
	return true
}

// acquire waits until n bytes are free or ctx is done.
func (b *budget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		ch := b.released
		b.mu.Unlock()
		if b.tryAcquire(n) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	if n > b.total {
		n = b.total
	}
	b.free += n
	close(b.released)
	b.released = make(chan struct{})
	b.mu.Unlock()
}

// inUse reports the bytes held now.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total - b.free
}
