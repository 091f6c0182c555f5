// Package tgclient owns the process-wide gotd client: lazy bot login with an
// in-memory session, per-DC download connections, and the policies (deadlines,
// flood waits) that every Telegram call goes through.
package tgclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/pkg/sessions"
)

// Options configure a Client.
type Options struct {
	APIID    int
	APIHash  string
	BotToken string

	// DC is the home DC (default 2).
	DC int
	// DCList replaces the production DC list when not zero.
	DCList dcs.List
	// PublicKeys replace Telegram's production keys when set.
	PublicKeys []telegram.PublicKey
	// Resolver dials the DCs (default: plain TCP).
	Resolver dcs.Resolver
	// Session seeds the in-memory session (auth key + DC): no key exchange,
	// no login at cold start. With Sessions it seeds the pool once.
	Session []byte
	// Sessions is the shared session pool (REDIS_URL). nil: one in-memory
	// session, logged in at every start.
	Sessions *sessions.Pool

	// ConnsPerDC is how many connections download from one DC (default 8).
	ConnsPerDC int
	// InFlightPerConn is how many upload.getFile calls each of them
	// carries at once (default DefaultInFlightPerConn).
	InFlightPerConn int
	// RPCTimeout bounds every call (default 15s).
	RPCTimeout time.Duration
	// FloodWaitBudget: FLOOD_WAITs up to this long are waited out, longer
	// ones returned to the caller (default DefaultFloodWaitBudget;
	// negative: none is waited out). See FloodWaitLimit.
	FloodWaitBudget time.Duration
	// Rate is how many upload.getFile calls per second the bot makes to one
	// DC at most (0, the default: learned from Telegram's first FLOOD_WAIT
	// on that DC, see rate.go; negative: no pacing), RateBurst how
	// many at once (default DefaultRateBurst). FLOOD_WAITs lower it for that
	// DC, calm time brings it back (see rate.go).
	Rate      float64
	RateBurst int
	// ConnectWait is how long a caller waits for the first login (default 8s);
	// the login itself keeps going in the background for later callers.
	ConnectWait time.Duration

	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.DC == 0 {
		o.DC = 2
	}
	if o.ConnsPerDC <= 0 {
		o.ConnsPerDC = 8
	}
	if o.InFlightPerConn <= 0 {
		o.InFlightPerConn = DefaultInFlightPerConn
	}
	if o.RPCTimeout <= 0 {
		o.RPCTimeout = DefaultRPCTimeout
	}
	o.FloodWaitBudget = o.FloodWaitLimit()
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.ConnectWait <= 0 {
		o.ConnectWait = 8 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// FloodWaitLimit is the longest FLOOD_WAIT a client made with o waits out:
// FloodWaitBudget, DefaultFloodWaitBudget when it is zero, 0 (none) when
// it is negative.
func (o Options) FloodWaitLimit() time.Duration {
	switch {
	case o.FloodWaitBudget == 0:
		return DefaultFloodWaitBudget
	case o.FloodWaitBudget < 0:
		return 0
	}
	return o.FloodWaitBudget
}

// Errors of the client lifecycle.
var (
	// ErrClosed: the client was closed.
	ErrClosed = errors.New("telegram client closed")
	// ErrNotConnected: the login did not finish in time (Telegram unreachable).
	ErrNotConnected = errors.New("telegram not connected")
	// ErrLogin: Telegram refused the bot login (bad token, api id or hash).
	ErrLogin = errors.New("telegram refused the bot login")
)

// Client is the process-wide Telegram connection. The zero value is not
// usable; call New. It starts nothing until first used.
type Client struct {
	opts    Options
	storage *session.StorageMemory // the in-memory session (Sessions nil)
	rates   *rates                 // per-DC getFile pacing and counters; outlive c.conn
	apis    map[int]*tg.Client     // by DC (0: the home API), over clientInvoker

	mu     sync.Mutex
	closed bool
	conn   *connection
	// authorized: the in-memory session has logged in (or was seeded).
	authorized bool
	// prefer is the pooled session this instance held last.
	prefer string
	seeded bool

	recover recoverState
	authErr lastError
}

// New returns a client that logs in on first use.
func New(opts Options) *Client {
	opts.setDefaults()
	storage := &session.StorageMemory{}
	authorized := false
	if len(opts.Session) > 0 && opts.Sessions == nil {
		_ = storage.StoreSession(context.Background(), opts.Session)
		authorized = true
	}
	return &Client{opts: opts, storage: storage, authorized: authorized, rates: newRates(opts), apis: map[int]*tg.Client{}}
}

// API returns the home-DC API, logging in first if needed. Concurrent first
// callers share one login. Its calls go to whichever session the client
// holds at the time (see clientInvoker).
func (c *Client) API(ctx context.Context) (*tg.Client, error) {
	if _, err := c.ready(ctx); err != nil {
		return nil, err
	}
	return c.api(0), nil
}

// DC returns the API of a DC's download connections (lanes.go), opened
// once per session and reused: on the home key for the home DC; for the
// others on a key authorized by auth.exportAuthorization, or with a
// session pool on that DC's stored key.
func (c *Client) DC(ctx context.Context, dc int) (*tg.Client, error) {
	r, err := c.ready(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.dcInvoker(ctx, dc); err != nil {
		return nil, err
	}
	return c.api(dc), nil
}

func (c *Client) api(dc int) *tg.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.apis[dc]
	if !ok {
		a = tg.NewClient(&clientInvoker{c: c, dc: dc})
		c.apis[dc] = a
	}
	return a
}

// Connected reports whether the client is logged in right now.
func (c *Client) Connected() bool {
	c.mu.Lock()
	r := c.conn
	c.mu.Unlock()
	return r != nil && r.loggedIn()
}

// ExportSession logs in if needed and returns the session bytes (auth key
// and DC) for TG_SESSION.
func (c *Client) ExportSession(ctx context.Context) ([]byte, error) {
	r, err := c.ready(ctx)
	if err != nil {
		return nil, err
	}
	return r.homeSession(ctx)
}

// Close stops the connection and waits for its goroutines.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	r := c.conn
	c.conn = nil
	c.mu.Unlock()
	if r != nil {
		r.stop()
	}
	return nil
}

// ready returns a logged-in connection, starting one if there is none or the last
// one died.
func (c *Client) ready(ctx context.Context) (*connection, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	r := c.conn
	if r != nil && r.stuck() {
		c.opts.Logger.Warn("telegram connection replaced", "dc", c.opts.DC, "down_for", r.connState.downFor().Round(time.Second))
		r = c.start(r) // the new one stops it first, then takes its session
		c.conn = r
	}
	if r == nil || r.dead() {
		if r != nil && !r.mayRetry() {
			c.mu.Unlock()
			return nil, r.err
		}
		r = c.start(r) // reaps the dead one's goroutine first
		c.conn = r
	}
	c.mu.Unlock()
	if r.loggedIn() {
		return r, nil
	}

	wait, cancel := context.WithTimeout(ctx, c.opts.ConnectWait)
	defer cancel()
	select {
	case <-r.loginDone:
		if r.err != nil {
			return nil, r.err
		}
		return r, nil
	case <-wait.Done():
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: no login within %s", ErrNotConnected, c.opts.ConnectWait)
	}
}

// start starts a connection; prev, if not nil, is stopped first (outside
// the caller's lock), so that its session and lease are free to take.
func (c *Client) start(prev *connection) *connection {
	ctx, cancel := context.WithCancel(context.Background())
	r := &connection{
		opts:      c.opts,
		cancel:    cancel,
		loginDone: make(chan struct{}),
		stopped:   make(chan struct{}),
		started:   time.Now(),
		conns:     map[int]*dcConns{},
		connState: newConnState(c.opts.RPCTimeout),
		rates:     c.rates,
	}
	go r.supervise(ctx, c, prev)
	return r
}

// newGotd is the gotd client of a connection: home DC dc, session in storage,
// dials through the lease guard.
func (c *Client) newGotd(r *connection, dc int, storage session.Storage, onState func(telegram.ConnectionState)) *telegram.Client {
	return telegram.NewClient(c.opts.APIID, c.opts.APIHash, telegram.Options{
		DC:             dc,
		DCList:         c.opts.DCList,
		PublicKeys:     c.opts.PublicKeys,
		Resolver:       guardResolver(c.opts.Resolver, r.guard),
		SessionStorage: storage,
		NoUpdates:      true,
		OnDead: func(err error) {
			c.opts.Logger.Debug("telegram connection died", "dc", dc, "err", err)
		},
		OnConnectionState:   onState,
		ReconnectionBackoff: newReconnectBackoff,             // backoff.go
		Middlewares:         []telegram.Middleware{noFollow}, // lanes.go
	})
}
