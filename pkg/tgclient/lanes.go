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
// gives a pooled connection to one call at a time.
type lanes struct {
	perConn int

	mu   sync.Mutex
	all  []*lane
	wake chan struct{} // closed and replaced when a slot frees or a lane joins
}

type lane struct {
	inv  tg.Invoker
	busy int
}

func newLanes(perConn int) *lanes {
	return &lanes{perConn: max(perConn, 1), wake: make(chan struct{})}
}

func (l *lanes) add(inv tg.Invoker) {
	l.mu.Lock()
	l.all = append(l.all, &lane{inv: inv})
	l.signalLocked()
	l.mu.Unlock()
}

func (l *lanes) signalLocked() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// take picks the least busy lane with a free slot, waiting for one.
func (l *lanes) take(ctx context.Context) (*lane, error) {
	for {
		l.mu.Lock()
		var best *lane
		for _, ln := range l.all {
			if ln.busy < l.perConn && (best == nil || ln.busy < best.busy) {
				best = ln
			}
		}
		if best != nil {
			best.busy++
			l.mu.Unlock()
			return best, nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (l *lanes) put(ln *lane) {
	l.mu.Lock()
	ln.busy--
	l.signalLocked()
	l.mu.Unlock()
}

// Invoke runs the call on a lane.
func (l *lanes) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	ln, err := l.take(ctx)
	if err != nil {
		return fmt.Errorf("wait for a download connection: %w", err)
	}
	defer l.put(ln)
	return ln.inv.Invoke(ctx, input, output)
}

// createLanes opens dc's download connections: the first before it returns
// (p is usable then), the others in the background, each joining when it
// is connected. The first one's key is the home key for the home DC; for
// another DC it is the stored key (with a session pool) or a new key
// authorized once by auth.exportAuthorization, and the others reuse it.
func (r *run) createLanes(dc int, p *pool) error {
	ctx, cancel := context.WithCancel(r.ctx)
	ls := newLanes(r.opts.InFlightPerConn)
	var first session.Storage
	var setup func(context.Context, *telegram.Client) error
	switch {
	case dc == r.opts.DC:
		data, err := r.home.LoadSession(ctx)
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
	if err := r.startLane(ctx, dc, first, setup, ls); err != nil {
		cancel()
		return err
	}
	p.close = cancel
	p.inv = r.linked(r.policies(ls, dc))
	if r.opts.ConnsPerDC > 1 {
		r.wg.Add(1)
		go func() {
			// Owned by the run: cancel (closePools, dropPool, the run's
			// end) stops it.
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
			for range r.opts.ConnsPerDC - 1 {
				if err := r.startLane(ctx, dc, seeded(data), nil, ls); err != nil {
					if ctx.Err() == nil {
						r.opts.Logger.Warn("telegram: a download connection did not open", "dc", dc, "err", err)
					}
					return
				}
			}
		}()
	}
	return nil
}

// startLane runs one gotd client of dc on storage (setup, if any, runs
// first on it) and adds it to ls once it is connected.
func (r *run) startLane(ctx context.Context, dc int, storage session.Storage, setup func(context.Context, *telegram.Client) error, ls *lanes) error {
	cl := r.c.newGotd(r, dc, storage, nil)
	ready := make(chan error, 1)
	r.wg.Add(1)
	go func() {
		// Owned by the run: ctx (the pool's) stops it and loop waits on r.wg.
		defer r.wg.Done()
		err := cl.Run(ctx, func(ctx context.Context) error {
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
	t := time.NewTimer(2 * r.opts.RPCTimeout)
	defer t.Stop()
	select {
	case err := <-ready:
		if err != nil {
			return err
		}
	case <-t.C:
		return fmt.Errorf("%w: DC %d did not connect within %s", ErrNotConnected, dc, 2*r.opts.RPCTimeout)
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
