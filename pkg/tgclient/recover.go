package tgclient

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/session"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/pkg/tgerrclass"
)

// recoverEvery bounds how often one key (the home key, or one DC's) is
// recovered: a key rejected again right after it was replaced is an error
// for the caller, not a reason to log in again (login failures never loop).
const recoverEvery = 10 * time.Second

type recoverState struct {
	mu   sync.Mutex
	last map[int]time.Time // by DC (0: the home key)
}

// clientInvoker is the outermost policy of every call, on the home API
// (dc 0) and on the download connections alike: it sends the call through the
// session the client holds now, and when Telegram rejected that key
// (AUTH_KEY_UNREGISTERED, AUTH_KEY_DUPLICATED, SESSION_REVOKED, …) or its
// lease was lost, it recovers once and repeats the call once:
//
//   - in-memory session: log in again on the same key (a new key after
//     AUTH_KEY_DUPLICATED);
//   - session pool: remove the session from the pool and take another one
//     (a free one, or a login within the budget);
//   - another DC's key: authorize a new key for that DC.
type clientInvoker struct {
	c  *Client
	dc int
}

func (ci *clientInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	c := ci.c
	for attempt := 0; ; attempt++ {
		r, err := c.ready(ctx)
		if err != nil {
			return err
		}
		key := ci.dc
		if key == c.opts.DC {
			key = 0 // the home DC's download connections share the home key
		}
		gen := r.generation(key)
		inv := r.api
		if ci.dc != 0 {
			if inv, err = r.dcInvoker(ctx, ci.dc); err != nil {
				return err
			}
		}
		err = inv.Invoke(ctx, input, output)
		lost := errors.Is(err, ErrLeaseNotHeld)
		rejected := tgerrclass.Of(err).KeyDead()
		if rejected {
			c.noteAuthError(err)
		}
		if (!lost && !rejected) || attempt > 0 || ctx.Err() != nil {
			return err
		}
		if retry, rerr := c.recoverKey(ctx, r, key, gen, lost, err); !retry {
			if rerr != nil {
				return rerr // what the recovery met says more (ACCESS_TOKEN_INVALID: a revoked token)
			}
			return err
		}
	}
}

// recoverKey makes the next attempt use a working key. retry false: do not
// retry (it was recovered moments ago, or recovery failed: then err is why).
func (c *Client) recoverKey(ctx context.Context, r *connection, key, gen int, lost bool, cause error) (retry bool, err error) {
	c.mu.Lock()
	current := c.conn == r
	c.mu.Unlock()
	if !current {
		return true, nil // replaced meanwhile
	}
	if lost {
		// Someone else holds the session now, or the store cannot tell:
		// stop using it; the next connection takes another.
		c.opts.Logger.Warn("telegram session lease lost; taking another session", "err", cause)
		c.discard(r, false)
		return true, nil
	}
	c.recover.mu.Lock()
	defer c.recover.mu.Unlock()
	if r.generation(key) != gen {
		return true, nil // recovered by a concurrent caller
	}
	if c.recover.last == nil {
		c.recover.last = map[int]time.Time{}
	}
	if last, ok := c.recover.last[key]; ok && time.Since(last) < recoverEvery {
		return false, nil
	}
	c.recover.last[key] = time.Now()
	if key != 0 {
		c.opts.Logger.Warn("telegram rejected a DC key; authorizing a new one", "dc", key, "err", cause)
		if r.blob != nil {
			r.blob.forgetDC(key)
		}
		r.dropConns(key)
		return true, nil
	}
	if r.lease != nil || tgerrclass.Of(cause) == tgerrclass.KeyDuplicated {
		c.opts.Logger.Warn("telegram rejected the session key; replacing it", "err", cause)
		c.discard(r, true)
		return true, nil
	}
	c.opts.Logger.Warn("telegram rejected the session; logging in again", "err", cause)
	if err := r.login(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// discard stops using r. rejected: its key is dead (removed from the pool,
// or the in-memory session starts over with a new key).
func (c *Client) discard(r *connection, rejected bool) {
	c.mu.Lock()
	if c.conn == r {
		c.conn = nil
	}
	if rejected {
		if c.opts.Sessions == nil {
			c.storage = &session.StorageMemory{}
			c.authorized = false
		}
		c.prefer = ""
		r.rejected.Store(true)
	}
	c.mu.Unlock()
	go r.stop() // supervise hands the lease back; nothing waits for it here
}

// markAuthorized records that the in-memory session logged in.
func (c *Client) markAuthorized(r *connection) {
	if r.lease != nil {
		return
	}
	c.mu.Lock()
	if r.home == c.storage {
		c.authorized = true
	}
	c.mu.Unlock()
}

func (c *Client) preferred() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.prefer
}

func (c *Client) setPreferred(id string) {
	c.mu.Lock()
	c.prefer = id
	c.mu.Unlock()
}

// seed puts TG_SESSION into the pool once.
func (c *Client) seed(ctx context.Context) {
	c.mu.Lock()
	done := c.seeded || len(c.opts.Session) == 0
	c.mu.Unlock()
	if done {
		return
	}
	added, err := c.opts.Sessions.Seed(ctx, EncodeStoredSession(c.opts.Session))
	if err != nil {
		c.opts.Logger.Warn("TG_SESSION not added to the session store", "err", err)
		return
	}
	if added {
		c.opts.Logger.Info("TG_SESSION added to the session store")
	}
	c.mu.Lock()
	c.seeded = true
	c.mu.Unlock()
}

// lastError is the last auth error Telegram answered (its code only).
type lastError struct {
	mu  sync.Mutex
	msg string
	at  time.Time
}

func (c *Client) noteAuthError(err error) {
	rpc, ok := tgerr.As(err)
	if !ok {
		return
	}
	msg := rpc.Type
	if rpc.Argument != 0 {
		msg = rpc.Message
	}
	c.authErr.mu.Lock()
	c.authErr.msg, c.authErr.at = msg, time.Now()
	c.authErr.mu.Unlock()
	if p := c.opts.Sessions; p != nil {
		go func() {
			// Bounded by the store's own timeout.
			p.RecordAuthError(context.Background(), msg)
		}()
	}
}
