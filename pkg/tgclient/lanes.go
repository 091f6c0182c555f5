package tgclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// DefaultInFlightPerConn is how many upload.getFile calls one download
// connection carries at once (TG_INFLIGHT_PER_CONN). With one, a connection
// idles for a round trip between parts; with two, the next answer is on its
// way while the last one is being sent, which fills a connection that
// Telegram caps in bytes per second.
const DefaultInFlightPerConn = 2

// lanes are one DC's download connections. Each is a gotd client of its own
// over the same auth key, and its primary connection (mtproto.Conn, which
// keys calls by message id) carries up to perConn calls at once. A
// hand-written dispatcher because gotd's pool (client.Pool, client.DC)
// gives a pooled connection to one call at a time. Calls that find every
// slot taken wait first come, first served; a freed slot goes to the
// first of them directly.
type lanes struct {
	perConn int

	mu      sync.Mutex
	all     []*lane
	waiting []chan *lane
}

type lane struct {
	inv tg.Invoker
	// sent is when each call on it now (at most perConn) was given its
	// slot, oldest first. Answers on one connection come about in order,
	// so the lane whose oldest call is oldest frees a slot first.
	sent []time.Time
}

// busy is the calls on ln now.
func (ln *lane) busy() int { return len(ln.sent) }

// before reports whether ln is the better of two lanes with a free slot:
// fewer calls, or as many and its oldest call older (it frees first:
// calls that start together, such as a read's last ones, end together).
func (ln *lane) before(other *lane) bool {
	if ln.busy() != other.busy() {
		return ln.busy() < other.busy()
	}
	return ln.busy() > 0 && ln.sent[0].Before(other.sent[0])
}

func newLanes(perConn int) *lanes {
	return &lanes{perConn: max(perConn, 1)}
}

// add makes a connected lane available.
func (l *lanes) add(inv tg.Invoker) {
	ln := &lane{inv: inv}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, ln)
	for ln.busy() < l.perConn && len(l.waiting) > 0 {
		l.handLocked(ln)
	}
}

// handLocked gives a free slot of ln to the first waiter.
func (l *lanes) handLocked(ln *lane) {
	ln.sent = append(ln.sent, time.Now())
	w := l.waiting[0]
	l.waiting[0] = nil
	l.waiting = l.waiting[1:]
	w <- ln
}

// take picks the least busy lane with a free slot (see before), or waits
// for one.
func (l *lanes) take(ctx context.Context) (*lane, error) {
	l.mu.Lock()
	var best *lane
	if len(l.waiting) == 0 {
		for _, ln := range l.all {
			if ln.busy() < l.perConn && (best == nil || ln.before(best)) {
				best = ln
			}
		}
	}
	if best != nil {
		best.sent = append(best.sent, time.Now())
		l.mu.Unlock()
		return best, nil
	}
	w := make(chan *lane, 1)
	l.waiting = append(l.waiting, w)
	l.mu.Unlock()
	select {
	case ln := <-w:
		return ln, nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	for i, q := range l.waiting {
		if q == w {
			l.waiting = append(l.waiting[:i], l.waiting[i+1:]...)
			l.mu.Unlock()
			return nil, ctx.Err()
		}
	}
	l.mu.Unlock()
	l.put(<-w) // handed over while we gave up: pass it on
	return nil, ctx.Err()
}

// put frees a slot of ln: to the first waiter, else back to the lane.
func (l *lanes) put(ln *lane) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln.sent = ln.sent[1:]
	if len(l.waiting) > 0 {
		l.handLocked(ln)
	}
}

// inFlight reports the calls on each lane now (for tests).
func (l *lanes) inFlight() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int, len(l.all))
	for i, ln := range l.all {
		out[i] = ln.busy()
	}
	return out
}

// Invoke runs the call on a lane. A FILE_MIGRATE_X answer comes back to
// the caller as it is (see noFollow): the caller moves to DC X's lanes.
func (l *lanes) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	ln, err := l.take(ctx)
	if err != nil {
		return fmt.Errorf("wait for a download connection: %w", err)
	}
	defer l.put(ln)
	return ln.inv.Invoke(context.WithValue(ctx, laneCall{}, true), input, output)
}

// laneCall marks the context of a call on a lane, for noFollow.
type laneCall struct{}

// noFollow is the middleware of every gotd client of a run. gotd's
// telegram.Client follows a FILE_MIGRATE_X (or STATS_MIGRATE_X) answer by
// itself: it opens a pool of one connection to DC X, authorizes it with
// auth.exportAuthorization and auth.importAuthorization, and resends the
// call there, one call at a time. Within a lane's call, noFollow refuses
// that export before any connection is made, answering the FILE_MIGRATE_X
// that started it (lanes carry upload.getFile only), so that the caller
// gets it: pkg/stream then fetches from DC X's own lanes, which carry
// InFlightPerConn calls each and share one authorization.
var noFollow = telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
	return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
		if req, ok := input.(*tg.AuthExportAuthorizationRequest); ok && ctx.Value(laneCall{}) != nil {
			return tgerr.New(303, fmt.Sprintf("FILE_MIGRATE_%d", req.DCID))
		}
		return next.Invoke(ctx, input, output)
	}
})

// createLanes opens dc's download connections: the first before it returns
// (p is usable then), the others in the background, each joining when it
// is connected. The first one's key is the home key for the home DC; for
// another DC it is the stored key (with a session pool) or a new key
// authorized once by auth.exportAuthorization, and the others reuse it.
func (r *connection) createLanes(dc int, p *dcConns) error {
	ctx, cancel := context.WithCancel(r.ctx)
	ls := newLanes(r.opts.InFlightPerConn)
	var first session.Storage
	var setup func(context.Context, *telegram.Client) error
	switch {
	case dc == r.opts.DC:
		data, err := r.homeSession(ctx)
		if err != nil {
			cancel()
			return fmt.Errorf("home session: %w", err)
		}
		first = seeded(data)
	case r.blob != nil && r.blob.hasDC(dc):
		first = r.blob.storage(dc)
	case r.blob != nil:
		first = r.blob.storagePending(dc)
		setup = func(ctx context.Context, cl *telegram.Client) error {
			if err := r.transfer(ctx, cl, dc); err != nil {
				return err // its key stays unstored
			}
			r.blob.commitDC(dc)
			return nil
		}
	default:
		first = &session.StorageMemory{}
		setup = func(ctx context.Context, cl *telegram.Client) error { return r.transfer(ctx, cl, dc) }
	}
	if err := r.startLane(ctx, dc, first, setup, ls, laneWait*r.opts.RPCTimeout); err != nil {
		cancel()
		return err
	}
	p.close = cancel
	p.inv = r.whenReady(r.policies(ls, dc))
	if r.opts.ConnsPerDC > 1 {
		r.wg.Add(1)
		go func() {
			// Owned by the connection: cancel (closeConns, dropConns,
			// the connection's end) stops it.
			defer r.wg.Done()
			defer func() {
				if v := recover(); v != nil {
					r.opts.Logger.Error("telegram: download connections panicked", "dc", dc, "panic", v)
				}
			}()
			data, err := first.LoadSession(ctx)
			if err != nil {
				r.opts.Logger.Warn("telegram: one download connection only", "dc", dc, "err", err)
				return
			}
			// One at a time. A connection that fails, or is not ready
			// within its deadline, is stopped and tried again with a longer
			// one: how long a link that never answers may hold this loop
			// is bounded here, not by gotd's own timers, while on a slow
			// machine or network a connection that misses a short
			// deadline is still worth having.
			for n, attempt := 1, 1; n < r.opts.ConnsPerDC; attempt++ {
				err := r.startLane(ctx, dc, seeded(data), nil, ls, time.Duration(attempt)*laneWait*r.opts.RPCTimeout)
				if err == nil {
					n, attempt = n+1, 0
					continue
				}
				if ctx.Err() != nil {
					return
				}
				r.opts.Logger.Warn("telegram: a download connection did not open", "dc", dc, "err", err)
				select {
				case <-ctx.Done():
					return
				case <-time.After(retryDelay):
				}
			}
		}()
	}
	return nil
}

// laneWait is the RPC timeouts a further download connection gets to be
// ready on its first attempt; each retry gets that much more.
const laneWait = 2

// startLane runs one gotd client of dc on storage (setup, if any, runs
// first on it) and adds it to ls once it is connected. A client not
// connected within wait (0: no limit but ctx) is stopped.
func (r *connection) startLane(ctx context.Context, dc int, storage session.Storage, setup func(context.Context, *telegram.Client) error, ls *lanes, wait time.Duration) error {
	cl := r.c.newGotd(r, dc, storage, nil)
	ready := make(chan error, 1)
	laneCtx, stopLane := context.WithCancel(ctx)
	r.wg.Add(1)
	go func() {
		// Owned by the connection: ctx (the DC's connections') or
		// stopLane stops it, and supervise waits on r.wg.
		defer r.wg.Done()
		defer stopLane()
		err := cl.Run(laneCtx, func(ctx context.Context) error {
			if setup != nil {
				if err := setup(ctx, cl); err != nil {
					return err
				}
			}
			ready <- nil
			<-ctx.Done()
			return ctx.Err()
		})
		if err == nil {
			err = errors.New("client stopped")
		}
		select {
		case ready <- err:
		default:
		}
	}()
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case err := <-ready:
		if err != nil {
			return err
		}
	case <-timeout:
		stopLane()
		return fmt.Errorf("%w: DC %d did not connect within %s", ErrNotConnected, dc, wait)
	case <-ctx.Done():
		return ctx.Err()
	}
	ls.add(cl)
	return nil
}

// seeded is an in-memory session holding data.
func seeded(data []byte) session.Storage {
	s := &session.StorageMemory{}
	_ = s.StoreSession(context.Background(), data)
	return s
}

// homeSession is the home DC's stored session. gotd signals a login just
// before it stores the session: wait for it, within the RPC timeout.
func (r *connection) homeSession(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.RPCTimeout)
	defer cancel()
	for {
		data, err := r.home.LoadSession(ctx)
		if !errors.Is(err, session.ErrNotFound) {
			return data, err
		}
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
