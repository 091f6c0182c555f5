package bot

import (
	"context"
	"sync"
)

// Store is the bot's memory across updates: which updates were handled
// (Telegram redelivers an update it did not get a 2xx for, possibly to
// another instance) and which files already have a copy in the log
// channel for a user. Memory (the default) keeps both per process; a
// shared store (such as Redis) makes them hold across instances.
type Store interface {
	// FirstDelivery records update id and reports whether it is new.
	FirstDelivery(ctx context.Context, updateID int64) (bool, error)
	// Copy is the log-channel copy under key (CopyKey: one user's copy of
	// one file).
	Copy(ctx context.Context, key string) (Copy, bool, error)
	// PutCopy remembers a copy under key.
	PutCopy(ctx context.Context, key string, c Copy) error
}

// Copy is a file's message in the log channel and its code (the caption).
type Copy struct {
	MessageID int    `json:"message_id"`
	Code      string `json:"code"`
}

// Memory is a Store in this process's memory, bounded: it remembers the
// last MemoryUpdates update ids and MemoryCopies copies.
type Memory struct {
	mu      sync.Mutex
	updates map[int64]struct{}
	order   ring[int64] // the remembered update ids, oldest first out
	copies  map[string]Copy
	keys    ring[string]
	// albums are the album notes (AlbumStore), JSON.
	albums    map[string][]byte
	albumKeys ring[string]
}

// ring remembers the last size keys pushed: once full, each push takes
// the place of the oldest, which it returns.
type ring[K comparable] struct {
	keys []K
	next int
	size int
}

func (r *ring[K]) push(k K) (evicted K, full bool) {
	if len(r.keys) < r.size {
		r.keys = append(r.keys, k)
		return evicted, false
	}
	evicted, r.keys[r.next] = r.keys[r.next], k
	r.next = (r.next + 1) % r.size
	return evicted, true
}

// Bounds of a Memory store.
const (
	MemoryUpdates = 10000
	MemoryCopies  = 10000
	MemoryAlbums  = 10000
)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{
		updates: map[int64]struct{}{}, order: ring[int64]{size: MemoryUpdates},
		copies: map[string]Copy{}, keys: ring[string]{size: MemoryCopies},
		albums: map[string][]byte{}, albumKeys: ring[string]{size: MemoryAlbums},
	}
}

// FirstDelivery implements Store.
func (m *Memory) FirstDelivery(_ context.Context, id int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, seen := m.updates[id]; seen {
		return false, nil
	}
	if old, full := m.order.push(id); full {
		delete(m.updates, old)
	}
	m.updates[id] = struct{}{}
	return true, nil
}

// Copy implements Store.
func (m *Memory) Copy(_ context.Context, key string) (Copy, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.copies[key]
	return c, ok, nil
}

// PutCopy implements Store.
func (m *Memory) PutCopy(_ context.Context, key string, c Copy) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.copies[key]; !ok {
		if old, full := m.keys.push(key); full {
			delete(m.copies, old)
		}
	}
	m.copies[key] = c
	return nil
}
