package stream

import (
	"sync"
	"time"
)

// Message ids in a channel grow by one per post, so an id far beyond the
// newest one known is almost surely not there: such ids are answered
// without a Telegram call, except for one probe per farProbeInterval.
//
// The newest known id is the highest id a lookup found (with media or
// not); it only grows. Ids up to farSlack beyond it are always looked up:
// that covers messages posted since. A real message further beyond (more
// than farSlack posts since any lookup of this process) is found by the
// next probe: a probe asks for the wanted id and, in the same call, for a
// ladder newest+farSlack·2^k below it, so that each probe moves the bound
// at least halfway to the channel's real newest id. Without abuse the first
// request for such a message is that probe; under a flood of far ids a
// real one waits at most a few probe intervals.
const (
	farSlack         = 1000
	farProbeInterval = 2 * time.Second
	// farLadder bounds the extra ids one probe asks for.
	farLadder = 20
)

// idBound tracks the newest known message id and rations probes beyond it.
type idBound struct {
	mu        sync.Mutex
	newest    int
	lastProbe time.Time
	now       func() time.Time
}

// seen records that message id exists.
func (b *idBound) seen(id int) {
	b.mu.Lock()
	b.newest = max(b.newest, id)
	b.mu.Unlock()
}

// near reports whether id is within farSlack of the newest known id.
func (b *idBound) near(id int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return id <= b.newest+farSlack
}

// probe reports whether a far id may be looked up now (one per
// farProbeInterval), and if so the ladder of ids to ask along with it.
func (b *idBound) probe(id int) ([]int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.lastProbe.IsZero() && now.Sub(b.lastProbe) < farProbeInterval {
		return nil, false
	}
	b.lastProbe = now
	var ladder []int
	for step := farSlack; len(ladder) < farLadder; step *= 2 {
		next := b.newest + step
		if next >= id || next <= 0 {
			break
		}
		ladder = append(ladder, next)
	}
	return ladder, true
}
