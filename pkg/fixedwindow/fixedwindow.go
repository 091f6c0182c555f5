// Package fixedwindow counts events per key in fixed windows and refuses a
// key that reached its limit until its window ends: the web layer's budget
// of wrong codes and the bot's links per user. Hand-written because
// golang.org/x/time/rate is a token bucket: it neither says "N per minute"
// nor tells when a window ends (the Retry-After), nor bounds its keys.
package fixedwindow

import (
	"container/list"
	"sync"
	"time"
)

// MaxKeys bounds the keys a Counter remembers. When it is full, a new key
// replaces the one whose window is oldest among those not at the limit,
// and only if there are none, the oldest at the limit: memory stays
// bounded, and a flood of new keys does not free blocked ones.
const MaxKeys = 10000

// Counter counts events per key. Every operation is O(1).
type Counter[K comparable] struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	keys map[K]*list.Element // of *count[K]
	// counting and atLimit hold the keys below and at the limit, each
	// oldest window first (a key enters at the back when its window opens
	// or when it reaches the limit).
	counting, atLimit list.List
}

type count[K comparable] struct {
	key   K
	start time.Time // when the window opened
	n     int
	list  *list.List // the list it is on
}

// New is a Counter of limit events per window; now is the clock (nil:
// time.Now).
func New[K comparable](limit int, window time.Duration, now func() time.Time) *Counter[K] {
	if now == nil {
		now = time.Now
	}
	return &Counter[K]{limit: limit, window: window, now: now, keys: make(map[K]*list.Element)}
}

// Blocked reports whether key has no events left in its window, and if so
// how long until the window ends.
func (c *Counter[K]) Blocked(key K) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blockedLocked(key, c.now())
}

// Add counts one event of key.
func (c *Counter[K]) Add(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addLocked(key, c.now())
}

// Allow counts one event of key if it has one left in its window: ok. If
// not, it counts nothing and says how long until the window ends.
func (c *Counter[K]) Allow(key K) (ok bool, wait time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if wait, blocked := c.blockedLocked(key, now); blocked {
		return false, wait
	}
	if c.limit <= 0 {
		return false, c.window
	}
	c.addLocked(key, now)
	return true, 0
}

// Len is how many keys are remembered.
func (c *Counter[K]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.keys)
}

func (c *Counter[K]) blockedLocked(key K, now time.Time) (time.Duration, bool) {
	el, ok := c.keys[key]
	if !ok {
		return 0, false
	}
	e := el.Value.(*count[K])
	if end := e.start.Add(c.window); !now.Before(end) {
		c.removeLocked(el)
		return 0, false
	} else if e.n >= c.limit {
		return end.Sub(now), true
	}
	return 0, false
}

func (c *Counter[K]) addLocked(key K, now time.Time) {
	if el, ok := c.keys[key]; ok {
		e := el.Value.(*count[K])
		if now.Before(e.start.Add(c.window)) {
			e.n++
			if e.n >= c.limit && e.list == &c.counting {
				c.counting.Remove(el)
				c.pushLocked(e, &c.atLimit)
			}
			return
		}
		c.removeLocked(el)
	}
	if len(c.keys) >= MaxKeys {
		c.evictLocked(now)
	}
	e := &count[K]{key: key, start: now, n: 1}
	if e.n >= c.limit {
		c.pushLocked(e, &c.atLimit)
	} else {
		c.pushLocked(e, &c.counting)
	}
}

func (c *Counter[K]) pushLocked(e *count[K], to *list.List) {
	e.list = to
	c.keys[e.key] = to.PushBack(e)
}

func (c *Counter[K]) removeLocked(el *list.Element) {
	e := el.Value.(*count[K])
	e.list.Remove(el)
	delete(c.keys, e.key)
}

// evictLocked makes room for one key: an expired window at the front of
// either list, else the oldest key below the limit, else the oldest at it.
func (c *Counter[K]) evictLocked(now time.Time) {
	for _, ls := range []*list.List{&c.counting, &c.atLimit} {
		if el := ls.Front(); el != nil && !now.Before(el.Value.(*count[K]).start.Add(c.window)) {
			c.removeLocked(el)
			return
		}
	}
	if el := c.counting.Front(); el != nil {
		c.removeLocked(el)
		return
	}
	if el := c.atLimit.Front(); el != nil {
		c.removeLocked(el)
	}
}
