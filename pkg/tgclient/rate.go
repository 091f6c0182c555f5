package tgclient

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// The upload.getFile rate, per bot and DC. By default (Options.Rate 0) it
// is learned: calls are not paced until Telegram answers the first
// FLOOD_WAIT on that DC; from then on the rate the calls were going at is
// the bot's limit there, and the adaptation below keeps it under. A fixed
// TG_RATE (peers keep each bot near 10) paces from the first call. Bots on
// real Telegram download well beyond 10 parts a second without a flood
// (notes/telegram.md), so a fixed default would cap every deployment at
// that many MiB/s for a risk the adaptation already answers.
const (
	DefaultRateBurst = 5 // calls at once
	// learnFallback is the limit learned when the first FLOOD_WAIT comes
	// before the calls said how fast they were going.
	learnFallback = 10.0
)

// The adaptation. On FLOOD_WAIT the rate halves (not below minRate) and the
// rate the calls were actually going at (the lower of the allowed rate and
// the one observed over the last observeWindow), less a margin, becomes a
// ceiling; then the rate grows back by a tenth of the configured rate per
// calm second up to the ceiling. The ceiling itself rises one step per
// ceilingProbe of calm, so that a limit Telegram lifted is found again,
// slowly.
const (
	minRate       = 0.5
	ceilingMargin = 0.9
	ceilingProbe  = 10 * time.Minute
	observeWindow = 2 * time.Second
)

// rates are one Client's limiters, one per DC. They outlive runs: a new
// login keeps what the last one learned.
type rates struct {
	max    float64 // 0: learned at the first flood; < 0: no pacing, only counting
	burst  int
	budget time.Duration // FLOOD_WAITs up to this long hold every call

	mu   sync.Mutex
	byDC map[int]*rateLimiter
}

func newRates(opts Options) *rates {
	return &rates{max: opts.Rate, burst: opts.RateBurst, budget: opts.FloodWaitBudget, byDC: map[int]*rateLimiter{}}
}

func (r *rates) dc(dc int) *rateLimiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.byDC[dc]
	if l == nil {
		l = newRateLimiter(r.max, r.burst, r.budget, time.Now)
		l.learn = r.max == 0
		r.byDC[dc] = l
	}
	return l
}

// status lists every DC used so far, by DC.
func (r *rates) status() []DCStatus {
	r.mu.Lock()
	out := make([]DCStatus, 0, len(r.byDC))
	for dc, l := range r.byDC {
		s := l.status()
		s.DC = dc
		out = append(out, s)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].DC < out[j].DC })
	return out
}

// DCStatus is what one bot's downloads from one DC did.
type DCStatus struct {
	DC int `json:"dc"`
	// Parts and Bytes are the upload.getFile answers received and their bytes.
	Parts int64 `json:"parts"`
	Bytes int64 `json:"bytes"`
	// FloodWaits is how many upload.getFile calls Telegram answered FLOOD_WAIT.
	FloodWaits int64 `json:"floodWaits"`
	// Rate is the upload.getFile calls per second allowed now (0: not paced).
	Rate float64 `json:"rate"`
	// Ceiling is the rate the adaptation grows back to (the configured one
	// until Telegram floods).
	Ceiling float64 `json:"ceiling"`
}

// rateLimiter paces one bot's upload.getFile calls to one DC: a token
// bucket kept as a virtual schedule (GCRA), so that waiting callers are
// served in the order they came.
type rateLimiter struct {
	max    float64 // <= 0: not paced (yet, if learn)
	learn  bool    // the first flood sets max
	burst  float64
	budget time.Duration
	now    func() time.Time

	mu      sync.Mutex
	rate    float64
	ceiling float64
	tat     time.Time // theoretical arrival time of the next call
	epoch   int       // bumped by every flood wait: waiters take a new turn
	grown   time.Time // last additive increase
	probed  time.Time // last ceiling step (or flood)
	calmAt  time.Time // floods before this belong to the last episode

	parts, bytes, floods int64

	// turns are the times of the last len(turns) calls, a ring at next.
	turns [128]time.Time
	next  int
	first time.Time // the first call ever
}

func newRateLimiter(max float64, burst int, budget time.Duration, now func() time.Time) *rateLimiter {
	t := now()
	return &rateLimiter{
		max: max, burst: float64(max1(burst)), budget: budget, now: now,
		rate: max, ceiling: max, grown: t, probed: t,
	}
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// adjustLocked applies the additive increase up to now.
func (l *rateLimiter) adjustLocked(now time.Time) {
	step := l.max / 10
	if l.ceiling < l.max && now.Sub(l.probed) >= ceilingProbe {
		l.ceiling = min(l.max, l.ceiling+step)
		l.probed = now
	}
	if dt := now.Sub(l.grown).Seconds(); dt > 0 {
		l.rate = min(l.ceiling, l.rate+step*dt)
		l.grown = now
	}
}

// reserve takes the next turn and says when it is.
func (l *rateLimiter) reserve() (time.Time, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.adjustLocked(now)
	interval := time.Duration(float64(time.Second) / l.rate)
	tolerance := time.Duration(l.burst-1) * interval
	if l.tat.Before(now) {
		l.tat = now
	}
	at := l.tat.Add(-tolerance)
	if at.Before(now) {
		at = now
	}
	l.tat = l.tat.Add(interval)
	l.turns[l.next] = at
	l.next = (l.next + 1) % len(l.turns)
	if l.first.IsZero() {
		l.first = at
	}
	return at, l.epoch
}

// observedLocked is the rate of calls over the last observeWindow; 0 if
// too short a history says nothing.
func (l *rateLimiter) observedLocked(now time.Time) float64 {
	span := min(observeWindow, now.Sub(l.first))
	if l.first.IsZero() || span < observeWindow/8 {
		return 0
	}
	n := 0
	for _, t := range l.turns {
		if !t.IsZero() && t.After(now.Add(-span)) && !t.After(now) {
			n++
		}
	}
	return float64(n) / span.Seconds()
}

// wait blocks until the caller's turn, or ctx ends.
func (l *rateLimiter) wait(ctx context.Context) error {
	if l.unpaced() {
		return nil
	}
	for {
		at, epoch := l.reserve()
		d := at.Sub(l.now())
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for a turn at %.1f calls/s: %w", l.current(), ctx.Err())
		case <-t.C:
		}
		l.mu.Lock()
		same := l.epoch == epoch
		l.mu.Unlock()
		if same {
			return nil
		}
		// A flood wait came meanwhile: the schedule was redone.
	}
}

// unpaced records a call that needs no turn (no limit known yet) and says
// so; the record is what the first flood learns the limit from.
func (l *rateLimiter) unpaced() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 {
		return false
	}
	now := l.now()
	l.turns[l.next] = now
	l.next = (l.next + 1) % len(l.turns)
	if l.first.IsZero() {
		l.first = now
	}
	return true
}

// flood learns from a FLOOD_WAIT of d: multiplicative decrease, a lower
// ceiling, and, for a wait within the budget, no call until it is over
// (the callers would wait it out anyway; together they would only earn
// another one). A longer wait goes back to the caller and does not hold
// the others: whether that bot keeps serving is decided above.
func (l *rateLimiter) flood(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.floods++
	now := l.now()
	if l.max <= 0 {
		if !l.learn {
			return
		}
		// The first flood: the rate that drew it is the limit.
		o := l.observedLocked(now)
		if o <= 0 {
			o = learnFallback
		}
		l.max, l.rate, l.ceiling, l.learn = o, o, o, false
		l.grown, l.probed = now, now
	}
	if now.Before(l.calmAt) {
		// A call that was in flight when the last decrease came: one
		// decrease per flood episode, not one per parallel call.
		return
	}
	l.calmAt = now.Add(max(min(d, l.budget), time.Second))
	l.adjustLocked(now)
	floor := min(minRate, l.max)
	going := min(l.ceiling, l.rate)
	if o := l.observedLocked(now); o > 0 {
		going = min(going, o)
	}
	l.ceiling = max(floor, going*ceilingMargin)
	l.rate = max(floor, l.rate/2)
	l.grown, l.probed = now, now
	l.epoch++
	if d <= l.budget {
		interval := time.Duration(float64(time.Second) / l.rate)
		// The next call goes at now+d, then one per interval: no burst.
		l.tat = now.Add(d).Add(time.Duration(l.burst-1) * interval)
		l.grown = now.Add(d)
	} else {
		l.tat = now
	}
}

func (l *rateLimiter) served(n int) {
	l.mu.Lock()
	l.parts++
	l.bytes += int64(n)
	l.mu.Unlock()
}

func (l *rateLimiter) current() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max <= 0 {
		return 0
	}
	l.adjustLocked(l.now())
	return l.rate
}

func (l *rateLimiter) status() DCStatus {
	rate := l.current()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := DCStatus{Parts: l.parts, Bytes: l.bytes, FloodWaits: l.floods, Rate: rate}
	if l.max > 0 {
		s.Ceiling = l.ceiling
	}
	return s
}

// rateInvoker paces upload.getFile calls through a DC's limiter, tells it
// of every FLOOD_WAIT and counts the bytes. Other calls pass untouched:
// they are few, and Telegram's download limits are on getFile.
type rateInvoker struct {
	next  tg.Invoker
	limit *rateLimiter
}

func (r *rateInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	if _, ok := input.(*tg.UploadGetFileRequest); !ok {
		return r.next.Invoke(ctx, input, output)
	}
	if err := r.limit.wait(ctx); err != nil {
		return err
	}
	err := r.next.Invoke(ctx, input, output)
	if d, ok := tgerr.AsFloodWait(err); ok {
		r.limit.flood(d)
		return err
	}
	if err == nil {
		if box, ok := output.(*tg.UploadFileBox); ok {
			if f, ok := box.File.(*tg.UploadFile); ok {
				r.limit.served(len(f.Bytes))
			}
		}
	}
	return err
}
