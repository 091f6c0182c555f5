package tgclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/tgerrclass"
)

// retryDelay is how long a failed login is reported before a new attempt.
const retryDelay = 2 * time.Second

// connection is one gotd client.Run on one session: from connect and login
// until it stops. A dead connection is replaced by a new one on the next
// call.
type connection struct {
	opts   Options
	c      *Client
	client *telegram.Client
	api    tg.Invoker // the home DC's primary connection, with every policy
	raw    tg.Invoker // the same without the wait for connState (for auth transfers)
	cancel context.CancelFunc
	ctx    context.Context

	started   time.Time
	loginDone chan struct{} // closed when login succeeded or the connection died first
	err       error         // why login failed; set before loginDone closes
	stopped   chan struct{} // closed when client.Run returned
	failedAt  time.Time
	retryAt   time.Time // no new connection before (a FLOOD_WAIT on login)

	connsMu sync.Mutex
	conns   map[int]*dcConns
	gens    map[int]int // recoveries per DC (0: the home key)

	// connState is the primary connection's state; calls wait for it.
	connState *connState
	// rates pace getFile per DC (the Client's, shared by its connections).
	rates *rates

	loginMu sync.Mutex

	// home is where gotd keeps the home DC's session.
	home session.Storage
	// With a session pool: the lease, its guard, and the session's keys.
	lease    *sessions.Lease
	guard    *leaseGuard
	blob     *blob
	rejected atomic.Bool // Telegram rejected the key: remove it from the pool
	wg       sync.WaitGroup
}

// supervise owns client.Run: it stops prev (the connection it replaces)
// first, signals loginDone, then keeps the connection until stop cancels
// it.
func (r *connection) supervise(ctx context.Context, c *Client, prev *connection) {
	defer close(r.stopped)
	if prev != nil {
		prev.stop()
	}
	r.c, r.ctx = c, ctx
	haveSession, err := r.acquire(ctx, c)
	if err != nil {
		r.fail(err)
		return
	}
	r.client = c.newGotd(r, r.opts.DC, r.home, r.connState.set)
	loggedIn := false
	err = r.client.Run(ctx, func(ctx context.Context) error {
		r.raw = r.policies(r.client, r.opts.DC)
		r.api = r.whenReady(r.raw)
		if !haveSession {
			if err := r.login(ctx); err != nil {
				return err
			}
		}
		c.markAuthorized(r)
		loggedIn = true
		if r.lease != nil {
			// A new session is stored before the first answer: an
			// instance frozen right after it leaves a session the next
			// instance can use. A stored one is saved in the background.
			select {
			case <-r.blobDirtyIf(r.lease.NewLogin):
				if err := r.lease.Save(ctx, r.blob.marshal()); err != nil {
					r.opts.Logger.Warn("session not saved to the store", "err", err)
					r.blob.changed()
				}
			default:
			}
			r.wg.Add(2)
			go r.saveLoop(ctx)
			go r.watchLease(ctx)
		}
		close(r.loginDone)
		r.opts.Logger.Info("telegram connected", "dc", r.opts.DC, "session", r.source(), "after", time.Since(r.started).Round(time.Millisecond))
		<-ctx.Done()
		return ctx.Err()
	})
	r.closeConns()
	r.wg.Wait()
	if tgerrclass.Of(err).KeyDead() {
		r.rejected.Store(true)
	}
	r.endLease(loggedIn)
	if !loggedIn {
		if err == nil || errors.Is(err, context.Canceled) {
			err = ErrNotConnected
		}
		r.fail(err)
		return
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		r.opts.Logger.Warn("telegram connection stopped", "err", err)
	}
}

// blobDirtyIf is the blob's change signal when cond holds, else a channel
// that never fires.
func (r *connection) blobDirtyIf(cond bool) <-chan struct{} {
	if cond {
		return r.blob.dirty
	}
	return nil
}

// fail reports why the connection could not log in.
func (r *connection) fail(err error) {
	var unavailable *sessions.UnavailableError
	switch {
	case errors.As(err, &unavailable):
	case tgerrclass.Of(err).Login():
		err = fmt.Errorf("%w: %w", ErrLogin, err)
	case !errors.Is(err, ErrNotConnected):
		err = fmt.Errorf("%w: %w", ErrNotConnected, err)
	}
	if d, ok := tgerr.AsFloodWait(err); ok {
		r.retryAt = time.Now().Add(d)
	}
	r.err = err
	r.failedAt = time.Now()
	close(r.loginDone)
}

// acquire finds the session the connection uses: the in-memory one, or a lease
// from the pool. haveSession: it is logged in already.
func (r *connection) acquire(ctx context.Context, c *Client) (haveSession bool, err error) {
	pool := r.opts.Sessions
	if pool == nil {
		c.mu.Lock()
		haveSession, r.home = c.authorized, c.storage
		c.mu.Unlock()
		return haveSession, nil
	}
	c.seed(ctx)
	actx, cancel := context.WithTimeout(ctx, r.opts.ConnectWait)
	defer cancel()
	lease, err := pool.Acquire(actx, c.preferred())
	if err != nil {
		return false, err
	}
	b, err := newBlob(lease.Data())
	if err != nil {
		_ = lease.Remove(ctx)
		return false, err
	}
	r.lease, r.guard, r.blob, r.home = lease, &leaseGuard{lease: lease}, b, b.storage(0)
	c.setPreferred(lease.ID())
	return !lease.NewLogin, nil
}

func (r *connection) source() string {
	switch {
	case r.lease == nil:
		return "memory"
	case r.lease.Local():
		return "local (store unreachable)"
	case r.lease.NewLogin:
		return "pool (new login)"
	}
	return "pool"
}

// policies wraps an invoker in the per-attempt policies, the lease guard
// last (closest to the wire), so that time spent in the others (flood
// waits, the wait for the connection) is covered.
func (r *connection) policies(inv tg.Invoker, dc int) tg.Invoker {
	if r.guard != nil {
		inv = &waitInvoker{next: inv, ready: r.guard.acquire}
	}
	return chain(inv, r.opts, r.rates.dc(dc))
}

// login imports the bot authorization. A FLOOD_WAIT is recorded in the
// session pool, so that no instance tries again before it ends.
func (r *connection) login(ctx context.Context) error {
	r.loginMu.Lock()
	defer r.loginMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, r.opts.RPCTimeout)
	defer cancel()
	if err := r.guard.acquire(ctx); err != nil {
		return err
	}
	if _, err := r.client.Auth().Bot(ctx, r.opts.BotToken); err != nil {
		r.c.noteAuthError(err)
		if d, ok := tgerr.AsFloodWait(err); ok && r.opts.Sessions != nil {
			bctx, bcancel := context.WithTimeout(context.Background(), 2*time.Second)
			if berr := r.opts.Sessions.BlockLogins(bctx, d, sessions.BlockFloodWait); berr != nil {
				r.opts.Logger.Warn("login block not recorded in the session store", "err", berr)
			}
			bcancel()
		}
		return fmt.Errorf("bot login: %w", err)
	}
	r.connsMu.Lock()
	if r.gens == nil {
		r.gens = map[int]int{}
	}
	r.gens[0]++
	r.connsMu.Unlock()
	return nil
}

// generation counts the recoveries of a DC's key (0: home), so that
// callers that saw the same rejection recover once.
func (r *connection) generation(dc int) int {
	r.connsMu.Lock()
	defer r.connsMu.Unlock()
	return r.gens[dc]
}

func (r *connection) loggedIn() bool {
	select {
	case <-r.loginDone:
		return r.err == nil && !r.dead()
	default:
		return false
	}
}

// stuck: logged in, but its primary link has been down for stuckAfter
// RPC timeouts. gotd reconnects by itself (backing off up to 5 s), but
// nothing bounds its reconnect loop as a whole (its source calls it
// "potentially eternal"), so a link down this long is replaced: a new gotd
// client on the same session dials at once and needs no login.
func (r *connection) stuck() bool {
	return r.loggedIn() && r.connState.downFor() >= stuckAfter*r.opts.RPCTimeout
}

// stuckAfter is how many RPC timeouts a logged-in connection may stay down
// before the next call replaces it (1 minute by default).
const stuckAfter = 4

func (r *connection) dead() bool {
	select {
	case <-r.stopped:
		return true
	default:
	}
	select {
	case <-r.loginDone:
		return r.err != nil
	default:
		return false
	}
}

// mayRetry: a failed connection is reported as is for retryDelay (or until a
// FLOOD_WAIT on login ends), so that a burst of requests against a dead
// Telegram does not start a burst of connections or logins.
func (r *connection) mayRetry() bool {
	select {
	case <-r.stopped:
	default:
		return false
	}
	if time.Now().Before(r.retryAt) {
		return false
	}
	return r.failedAt.IsZero() || time.Since(r.failedAt) >= retryDelay
}

func (r *connection) stop() {
	r.cancel()
	<-r.stopped
}

// dcConns is one DC's download connections (lanes.go), behind one invoker.
type dcConns struct {
	ready chan struct{}
	inv   tg.Invoker // with every policy
	close func()
	err   error
}

// dcInvoker is the invoker of dc's download connections, opened on first
// use.
func (r *connection) dcInvoker(ctx context.Context, dc int) (tg.Invoker, error) {
	r.connsMu.Lock()
	p, ok := r.conns[dc]
	// p.err is written by openConns before it closes p.ready: read it
	// only after.
	if ok && isDone(p.ready) && p.err != nil {
		ok = false // creation failed earlier: try again
	}
	if !ok {
		p = &dcConns{ready: make(chan struct{})}
		r.conns[dc] = p
		go r.openConns(dc, p)
	}
	r.connsMu.Unlock()
	select {
	case <-p.ready:
		if p.err != nil {
			return nil, p.err
		}
		return p.inv, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *connection) openConns(dc int, p *dcConns) {
	defer close(p.ready)
	// Connections of their own that carry several calls each (lanes.go).
	if err := r.createLanes(dc, p); err != nil {
		p.err = fmt.Errorf("connect to DC %d: %w", dc, err)
	}
}

// whenReady makes calls wait for the primary connection. With a lease, the
// guard comes first as well: a connection whose lease is gone must not wait for a
// connection its guard keeps down, but fail at once (and be replaced).
func (r *connection) whenReady(inv tg.Invoker) tg.Invoker {
	inv = &waitInvoker{next: inv, ready: r.connState.wait}
	if r.guard != nil {
		inv = &waitInvoker{next: inv, ready: r.guard.acquire}
	}
	return inv
}

// dropConns closes a DC's download connections (its key was rejected);
// the next call opens new ones.
func (r *connection) dropConns(dc int) {
	r.connsMu.Lock()
	p, ok := r.conns[dc]
	delete(r.conns, dc)
	if r.gens == nil {
		r.gens = map[int]int{}
	}
	r.gens[dc]++
	r.connsMu.Unlock()
	if ok {
		r.wg.Add(1)
		go func() {
			// Owned by the connection: supervise waits on r.wg.
			defer r.wg.Done()
			<-p.ready
			if p.close != nil {
				p.close()
			}
		}()
	}
}

func (r *connection) closeConns() {
	r.connsMu.Lock()
	conns := r.conns
	r.conns = map[int]*dcConns{}
	r.connsMu.Unlock()
	for _, p := range conns {
		<-p.ready
		if p.close != nil {
			p.close()
		}
	}
}

func isDone(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
