package bot

import (
	"sync"
	"time"
)

// maxTrackedUsers bounds the users a limiter remembers; when full, windows
// that ended are dropped first, then an arbitrary user.
const maxTrackedUsers = 10000

// limiter allows each user n actions per fixed window.
type limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	users map[int64]*userWindow
}

type userWindow struct {
	start time.Time
	count int
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, now: time.Now, users: map[int64]*userWindow{}}
}

// allow counts one action of user; if the user has none left it returns
// false and how long until the window ends.
func (l *limiter) allow(user int64) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.users[user]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.users) >= maxTrackedUsers {
			l.evict(now)
		}
		w = &userWindow{start: now}
		l.users[user] = w
	}
	if w.count >= l.n {
		return false, w.start.Add(l.window).Sub(now)
	}
	w.count++
	return true, 0
}

func (l *limiter) evict(now time.Time) {
	for id, w := range l.users {
		if now.Sub(w.start) >= l.window {
			delete(l.users, id)
		}
	}
	for id := range l.users {
		if len(l.users) < maxTrackedUsers {
			return
		}
		delete(l.users, id)
	}
}
