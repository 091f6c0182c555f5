package telegram

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// retryDelay is how long a failed login is reported before a new attempt.
const retryDelay = 2 * time.Second

// run is one gotd client.Run: from connect and login until it stops. A dead
// run is replaced by a new one on the next call.
type run struct {
	opts   Options
	client *telegram.Client
	api    *tg.Client
	cancel context.CancelFunc

	started   time.Time
	loginDone chan struct{} // closed when login succeeded or the run died first
	err       error         // why login failed; set before loginDone closes
	stopped   chan struct{} // closed when client.Run returned
	failedAt  time.Time

	poolMu sync.Mutex
	pools  map[int]*pool

	// link is the primary connection's state; calls wait for it.
	link *link
	// rates pace getFile per DC (the Client's, shared by its runs).
	rates *rates

	loginMu sync.Mutex
}

// loop owns client.Run. It signals loginDone, then keeps the connection until
// stop cancels it.
func (r *run) loop(ctx context.Context, haveSession bool) {
	defer close(r.stopped)
	loggedIn := false
	err := r.client.Run(ctx, func(ctx context.Context) error {
		base := &linkInvoker{next: chain(r.client, r.opts, r.rates.dc(r.opts.DC)), link: r.link}
		r.api = tg.NewClient(&reloginInvoker{next: base, login: r.login})
		if !haveSession {
			if err := r.login(ctx); err != nil {
				return err
			}
		}
		loggedIn = true
		close(r.loginDone)
		r.opts.Logger.Info("telegram connected", "dc", r.opts.DC, "after", time.Since(r.started).Round(time.Millisecond))
		<-ctx.Done()
		return ctx.Err()
	})
	r.closePools()
	if !loggedIn {
		if err == nil || errors.Is(err, context.Canceled) {
			err = ErrNotConnected
		}
		if tgerr.Is(err, "ACCESS_TOKEN_INVALID", "API_ID_INVALID", "API_ID_PUBLISHED_FLOOD", "ACCESS_TOKEN_EXPIRED") {
			err = fmt.Errorf("%w: %w", ErrLogin, err)
		} else if !errors.Is(err, ErrNotConnected) {
			err = fmt.Errorf("%w: %w", ErrNotConnected, err)
		}
		r.err = err
		r.failedAt = time.Now()
		close(r.loginDone)
		return
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		r.opts.Logger.Warn("telegram connection stopped", "err", err)
	}
}

// login imports the bot authorization. It is also called by reloginInvoker
// when a stored session turns out to be unauthorized.
func (r *run) login(ctx context.Context) error {
	r.loginMu.Lock()
	defer r.loginMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, r.opts.RPCTimeout)
	defer cancel()
	if _, err := r.client.Auth().Bot(ctx, r.opts.BotToken); err != nil {
		return fmt.Errorf("bot login: %w", err)
	}
	return nil
}

func (r *run) loggedIn() bool {
	select {
	case <-r.loginDone:
		return r.err == nil && !r.dead()
	default:
		return false
	}
}

func (r *run) dead() bool {
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

// mayRetry: a failed run is reported as is for retryDelay, so that a burst
// of requests against a dead Telegram does not start a burst of connections.
func (r *run) mayRetry() bool {
	select {
	case <-r.stopped:
	default:
		return false
	}
	return r.failedAt.IsZero() || time.Since(r.failedAt) >= retryDelay
}

func (r *run) stop() {
	r.cancel()
	<-r.stopped
}

// pool is one DC's download connections.
type pool struct {
	ready chan struct{}
	api   *tg.Client
	inv   telegram.CloseInvoker
	err   error
}

func (r *run) pool(ctx context.Context, dc int) (*tg.Client, error) {
	r.poolMu.Lock()
	p, ok := r.pools[dc]
	// p.err is written by createPool before it closes p.ready: read it
	// only after.
	if ok && isDone(p.ready) && p.err != nil {
		ok = false // creation failed earlier: try again
	}
	if !ok {
		p = &pool{ready: make(chan struct{})}
		r.pools[dc] = p
		go r.createPool(dc, p)
	}
	r.poolMu.Unlock()
	select {
	case <-p.ready:
		if p.err != nil {
			return nil, p.err
		}
		return p.api, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *run) createPool(dc int, p *pool) {
	defer close(p.ready)
	var inv telegram.CloseInvoker
	var err error
	if dc == r.opts.DC {
		inv, err = r.client.Pool(int64(r.opts.ConnsPerDC))
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 2*r.opts.RPCTimeout)
		defer cancel()
		// client.DC runs auth.exportAuthorization / importAuthorization,
		// which may meet FLOOD_WAIT like any call.
		err = waitFlood(ctx, r.opts.FloodWaitBudget, func() error {
			var e error
			inv, e = r.client.DC(ctx, dc, int64(r.opts.ConnsPerDC))
			return e
		})
	}
	if err != nil {
		p.err = fmt.Errorf("connect to DC %d: %w", dc, err)
		return
	}
	p.inv = inv
	p.api = tg.NewClient(&linkInvoker{next: chain(inv, r.opts, r.rates.dc(dc)), link: r.link})
}

func (r *run) closePools() {
	r.poolMu.Lock()
	pools := r.pools
	r.pools = map[int]*pool{}
	r.poolMu.Unlock()
	for _, p := range pools {
		<-p.ready
		if p.inv != nil {
			_ = p.inv.Close()
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
