package web

import (
	"sync"
	"time"
)

// maxTrackedClients bounds the clients a codeLimiter remembers. When it is
// full of clients whose windows are still open, a new client replaces an
// arbitrary one: memory stays bounded at the price of forgetting.
const maxTrackedClients = 10000

// codeLimiter counts failed codes (401, 403) per client in fixed windows
// and refuses a client that reached the limit until its window ends.
type codeLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	clients map[string]*failures
}

type failures struct {
	start time.Time // when the window opened
	count int
}

func newCodeLimiter(limit int, window time.Duration, now func() time.Time) *codeLimiter {
	return &codeLimiter{limit: limit, window: window, now: now, clients: make(map[string]*failures)}
}

// blocked reports whether client has no failures left in its window, and
// if so how long until the window ends.
func (l *codeLimiter) blocked(client string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.clients[client]
	if !ok {
		return 0, false
	}
	now := l.now()
	if end := f.start.Add(l.window); !now.Before(end) {
		delete(l.clients, client)
		return 0, false
	} else if f.count >= l.limit {
		return end.Sub(now), true
	}
	return 0, false
}

// fail counts one failed code of client.
func (l *codeLimiter) fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f, ok := l.clients[client]
	if ok && now.Before(f.start.Add(l.window)) {
		f.count++
		return
	}
	if !ok && len(l.clients) >= maxTrackedClients {
		l.evict(now)
	}
	l.clients[client] = &failures{start: now, count: 1}
}

// evict drops clients whose windows ended; if none did, one arbitrary
// client.
func (l *codeLimiter) evict(now time.Time) {
	for k, f := range l.clients {
		if !now.Before(f.start.Add(l.window)) {
			delete(l.clients, k)
		}
	}
	if len(l.clients) < maxTrackedClients {
		return
	}
	for k := range l.clients {
		delete(l.clients, k)
		return
	}
}

// tracked is how many clients are remembered (for tests).
func (l *codeLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}
