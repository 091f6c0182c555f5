package tgclient

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"golang.org/x/time/rate"
)

// The upload.getFile rate, per bot and DC. A token bucket of
// golang.org/x/time/rate holds the schedule; what is here is the policy.
//
//   - Pacing never exceeds the configured allowance, bursts included: the
//     bucket's burst is the configured one less what jitterMargin of calls
//     at the rate would add (calls sent apart may reach Telegram closer
//     together), so that burst + rate × t, seen from Telegram, stays within
//     TG_RATE_BURST + TG_RATE × t.
//   - On FLOOD_WAIT the rate drops to floodMargin × the rate that drew it
//     (the lower of the paced and the observed one), not by half; a wait
//     within the budget holds every call until it is over, and the calls
//     resume at the new rate without a burst.
//   - After calmFor without a flood the rate climbs back, a tenth of the
//     configured rate per calmStep, up to it.
//   - By default (Options.Rate 0) calls are not paced until the first
//     FLOOD_WAIT on that DC; the rate observed then, less the margin,
//     becomes the configured one.
const (
	DefaultRateBurst = 5 // calls at once
	// learnFallback is the rate learned when the first FLOOD_WAIT comes
	// before the calls said how fast they were going.
	learnFallback = 10.0
	// jitterMargin is how much closer together than they were paced calls
	// may reach Telegram: a busy process sends late (seen ~0.3 s on a
	// 2-core machine under load), the network reorders.
	jitterMargin  = 400 * time.Millisecond
	floodMargin   = 0.9
	minRate       = 0.5
	calmFor       = 30 * time.Second
	calmStep      = 5 * time.Second
	observeWindow = 2 * time.Second
)

// rates are one Client's limiters, one per DC. They outlive connections: a new
// login keeps what the last one learned.
type rates struct {
	ceiling float64 // 0: learned at the first flood; < 0: no pacing, only counting
	burst   int
	budget  time.Duration // FLOOD_WAITs up to this long hold every call

	mu   sync.Mutex
	byDC map[int]*rateLimiter
}

func newRates(opts Options) *rates {
	return &rates{ceiling: opts.Rate, burst: opts.RateBurst, budget: opts.FloodWaitBudget, byDC: map[int]*rateLimiter{}}
}

func (r *rates) dc(dc int) *rateLimiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.byDC[dc]
	if l == nil {
		l = newRateLimiter(r.ceiling, r.burst, r.budget, time.Now)
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
	// Ceiling is the rate calm time brings it back to (the configured or
	// learned one).
	Ceiling float64 `json:"ceiling"`
}

// rateLimiter paces one bot's upload.getFile calls to one DC.
type rateLimiter struct {
	burst  int // configured
	budget time.Duration
	now    func() time.Time

	mu      sync.Mutex
	ceiling float64 // <= 0: not paced (learn: until the first flood)
	learn   bool
	rate    float64
	bucket  *rate.Limiter
	epoch   int       // bumped by every flood: waiters take a new turn
	calmAt  time.Time // floods before this belong to the last episode
	since   time.Time // when the last flood's hold ended
	base    float64   // the rate that flood set

	parts, bytes, floods int64

	// turns are the times of the last len(turns) calls, a ring at next.
	turns [128]time.Time
	next  int
	first time.Time
}

func newRateLimiter(ceiling float64, burst int, budget time.Duration, now func() time.Time) *rateLimiter {
	l := &rateLimiter{ceiling: ceiling, learn: ceiling == 0, burst: max(burst, 1), budget: budget, now: now, since: now()}
	if ceiling > 0 {
		l.setLocked(ceiling, now(), 0)
	}
	return l
}

// pacedBurst is the bucket's burst at r: the configured one less the calls
// r makes in jitterMargin, at least 1.
func (l *rateLimiter) pacedBurst(r float64) int {
	return max(1, l.burst-int(math.Ceil(r*jitterMargin.Seconds())))
}

// setLocked paces at r from now on, the first call at now+hold; with a
// hold, and after it, no burst: the calls resume one per 1/r.
func (l *rateLimiter) setLocked(r float64, now time.Time, hold time.Duration) {
	b := l.pacedBurst(r)
	l.rate = r
	l.bucket = rate.NewLimiter(rate.Limit(r), b)
	if hold <= 0 && l.floods == 0 {
		return // a full bucket
	}
	// Spend all but what hold earns back less one call: the next call
	// goes at now+hold (rounded up to a whole call).
	for spend := int(math.Ceil(float64(b) - 1 + hold.Seconds()*r)); spend > 0; {
		n := min(b, spend)
		l.bucket.ReserveN(now, n)
		spend -= n
	}
}

// adjustLocked steps the rate back up after calm: from calmFor after the
// last flood (its hold over), a tenth of the ceiling per calmStep.
func (l *rateLimiter) adjustLocked(now time.Time) {
	calm := now.Sub(l.since) - calmFor
	if l.ceiling <= 0 || l.rate >= l.ceiling || calm < 0 {
		return
	}
	r := min(l.ceiling, l.base+float64(calm/calmStep+1)*l.ceiling/10)
	if r == l.rate {
		return
	}
	l.rate = r
	l.bucket.SetLimitAt(now, rate.Limit(r))
	l.bucket.SetBurstAt(now, l.pacedBurst(r))
}

// reserve takes the next turn and says when it is.
func (l *rateLimiter) reserve() (time.Time, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.adjustLocked(now)
	at := now.Add(l.bucket.ReserveN(now, 1).DelayFrom(now))
	l.recordLocked(at)
	return at, l.epoch
}

func (l *rateLimiter) recordLocked(at time.Time) {
	l.turns[l.next] = at
	l.next = (l.next + 1) % len(l.turns)
	if l.first.IsZero() {
		l.first = at
	}
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

// unpaced records a call that needs no turn (no rate known yet) and says
// so; the record is what the first flood learns the rate from.
func (l *rateLimiter) unpaced() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ceiling > 0 {
		return false
	}
	l.recordLocked(l.now())
	return true
}

// flood learns from a FLOOD_WAIT of d.
func (l *rateLimiter) flood(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.floods++
	now := l.now()
	if l.ceiling <= 0 && !l.learn {
		return
	}
	if now.Before(l.calmAt) {
		// A call in flight when the last decrease came: one decrease per
		// episode, not one per parallel call.
		return
	}
	l.calmAt = now.Add(max(min(d, l.budget), time.Second))
	going := l.rate
	if o := l.observedLocked(now); o > 0 && (going <= 0 || o < going) {
		going = o
	}
	if going <= 0 {
		going = learnFallback
	}
	r := max(min(minRate, going), going*floodMargin)
	if l.learn {
		l.ceiling, l.learn = r, false
	}
	hold := d
	if d > l.budget {
		hold = 0 // returned to its caller; the others go on, paced
	}
	l.setLocked(r, now, hold)
	l.since, l.base = now.Add(hold), r
	l.epoch++
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
	if l.ceiling <= 0 {
		return 0
	}
	l.adjustLocked(l.now())
	return l.rate
}

func (l *rateLimiter) status() DCStatus {
	r := l.current()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := DCStatus{Parts: l.parts, Bytes: l.bytes, FloodWaits: l.floods, Rate: r}
	if l.ceiling > 0 {
		s.Ceiling = l.ceiling
	}
	return s
}

// rateInvoker paces upload.getFile calls through a DC's limiter, tells it
// of every FLOOD_WAIT (FLOOD_PREMIUM_WAIT_X included: tgerr.AsFloodWait)
// and counts the bytes. Other calls pass untouched: they are few, and
// Telegram's download limits are on getFile.
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
