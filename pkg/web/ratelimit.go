package web

import (
	"container/list"
	"strconv"
	"sync"
	"time"
)

// guessLimiter stops code guessing and the Telegram calls it costs, without
// locking out people who hold a right link. It keeps two budgets of
// failures per window:
//
//   - per link, (client, message id): missing and wrong codes for one
//     message. At the limit every request for that message from that
//     client gets 429 before its code is looked at: guessing that
//     message's code stops. Links to other messages still work.
//   - per client: every failure (missing or wrong code, unknown id), at
//     perClientFactor times the limit. Beyond it a request gets 429 before
//     any Telegram call, unless its message is cached and its code right:
//     a client spraying ids or codes stops costing Telegram calls, and a
//     neighbour behind the same NAT with a working link to a message that
//     is being downloaded still gets it.
//
// The trade-off: someone behind the same address as a guesser, holding the
// right link to the very message being guessed, is locked out of it until
// the window ends; and a locked-out client's right link to a message
// nobody fetched in the last CacheTTL waits for the window too.
type guessLimiter struct {
	perLink   *codeLimiter
	perClient *codeLimiter
}

// perClientFactor is how many more failures a client may have in all
// than for one message.
const perClientFactor = 2

func newGuessLimiter(limit int, window time.Duration, now func() time.Time) *guessLimiter {
	return &guessLimiter{
		perLink:   newCodeLimiter(limit, window, now),
		perClient: newCodeLimiter(perClientFactor*limit, window, now),
	}
}

func linkKey(client string, id int) string { return client + "#" + strconv.Itoa(id) }

// linkBlocked reports whether client may not try codes for message id now.
func (g *guessLimiter) linkBlocked(client string, id int) (time.Duration, bool) {
	return g.perLink.blocked(linkKey(client, id))
}

// clientBlocked reports whether client's failures in all are at the limit.
func (g *guessLimiter) clientBlocked(client string) (time.Duration, bool) {
	return g.perClient.blocked(client)
}

// wrongCode counts a missing or wrong code for message id.
func (g *guessLimiter) wrongCode(client string, id int) {
	g.perLink.fail(linkKey(client, id))
	g.perClient.fail(client)
}

// miss counts a lookup of a message that is not there.
func (g *guessLimiter) miss(client string) { g.perClient.fail(client) }

// maxTrackedClients bounds the keys a codeLimiter remembers. When it is
// full, a new key replaces the one whose window is oldest among those not
// at the limit, and only if there are none, the oldest at the limit: memory
// stays bounded, and a flood of new keys does not free blocked ones.
const maxTrackedClients = 10000

// codeLimiter counts failures per key in fixed windows and refuses a key
// that reached the limit until its window ends. Every operation is O(1).
type codeLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // of *failures
	// counting and atLimit hold the keys below and at the limit, each
	// oldest window first (a key enters at the back when its window opens
	// or when it reaches the limit).
	counting, atLimit list.List
}

type failures struct {
	key   string
	start time.Time // when the window opened
	count int
	list  *list.List // the list it is on
}

func newCodeLimiter(limit int, window time.Duration, now func() time.Time) *codeLimiter {
	return &codeLimiter{limit: limit, window: window, now: now, keys: make(map[string]*list.Element)}
}

// blocked reports whether key has no failures left in its window, and
// if so how long until the window ends.
func (l *codeLimiter) blocked(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.keys[key]
	if !ok {
		return 0, false
	}
	f := el.Value.(*failures)
	now := l.now()
	if end := f.start.Add(l.window); !now.Before(end) {
		l.removeLocked(el)
		return 0, false
	} else if f.count >= l.limit {
		return end.Sub(now), true
	}
	return 0, false
}

// fail counts one failure of key.
func (l *codeLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if el, ok := l.keys[key]; ok {
		f := el.Value.(*failures)
		if now.Before(f.start.Add(l.window)) {
			f.count++
			if f.count >= l.limit && f.list == &l.counting {
				l.counting.Remove(el)
				l.pushLocked(f, &l.atLimit)
			}
			return
		}
		l.removeLocked(el)
	}
	if len(l.keys) >= maxTrackedClients {
		l.evictLocked(now)
	}
	f := &failures{key: key, start: now, count: 1}
	if f.count >= l.limit {
		l.pushLocked(f, &l.atLimit)
	} else {
		l.pushLocked(f, &l.counting)
	}
}

func (l *codeLimiter) pushLocked(f *failures, to *list.List) {
	f.list = to
	l.keys[f.key] = to.PushBack(f)
}

func (l *codeLimiter) removeLocked(el *list.Element) {
	f := el.Value.(*failures)
	f.list.Remove(el)
	delete(l.keys, f.key)
}

// evictLocked makes room for one key: an expired window at the front of
// either list, else the oldest key below the limit, else the oldest at it.
func (l *codeLimiter) evictLocked(now time.Time) {
	for _, ls := range []*list.List{&l.counting, &l.atLimit} {
		if el := ls.Front(); el != nil && !now.Before(el.Value.(*failures).start.Add(l.window)) {
			l.removeLocked(el)
			return
		}
	}
	if el := l.counting.Front(); el != nil {
		l.removeLocked(el)
		return
	}
	if el := l.atLimit.Front(); el != nil {
		l.removeLocked(el)
	}
}

// tracked is how many keys are remembered (for tests).
func (l *codeLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
