// Package sessions is a Redis lease store for Telegram MTProto sessions
// (the client's auth keys, not HTTP sessions), and the link bot's memory
// of handled webhook updates and sealed notes (memo.go). Instances of a
// serverless deployment reuse its sessions instead of logging in at every
// cold start. A session is used by one instance at a time: the instance
// holds its lease, renews it while it runs, and must not send anything on
// the session's key once the lease has lapsed (Lease.Valid).
//
// The store knows nothing of MTProto: a session is an opaque blob (the
// Telegram client's auth keys), sealed with AES-256-GCM under a key derived
// from a secret the operator keeps already (see newSealer).
package sessions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of Options.
const (
	DefaultLeaseTTL    = 60 * time.Second
	DefaultLoginBudget = 5
	DefaultWait        = 3 * time.Second
	DefaultOpTimeout   = 2 * time.Second
	// LoginWindow is the window LoginBudget counts logins in.
	LoginWindow = time.Hour
)

// Options configure a Store. Zero values take the defaults.
type Options struct {
	// URL is redis://[user:password@]host:port[/db] or rediss://… (TLS).
	URL string
	// LeaseTTL is how long a lease lasts without renewal (default 60s).
	LeaseTTL time.Duration
	// LoginBudget is how many new bot logins all instances sharing the
	// store may make per LoginWindow, per bot (default 5).
	LoginBudget int
	// Secret derives the encryption key (BOT_TOKEN + API_HASH).
	Secret []byte
	// Wait is how long Acquire waits for a lease to come free when it may
	// not log in (default 3s).
	Wait time.Duration
	// OpTimeout bounds one round trip to the store (default 2s).
	OpTimeout time.Duration
	// Instance names this process in leases; the session it released is
	// free again at once for the same name (default: random per process).
	// Give two processes one name only if Telegram sees them at one
	// address (one machine), never two at once.
	Instance string
	// Dial replaces the TCP dialer (tests).
	Dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.LoginBudget <= 0 {
		o.LoginBudget = DefaultLoginBudget
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = DefaultOpTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Store is one Redis holding the session pools of any number of bots.
type Store struct {
	opts     Options
	rdb      *redis.Client
	instance string // this process, in lease tokens

	mu     sync.Mutex
	pools  map[string]*Pool
	leases map[*Lease]struct{} // renewing now
}

// ParseURL checks a REDIS_URL without connecting. Its errors never hold
// the URL (it may carry a password).
func ParseURL(url string) (*redis.Options, error) {
	if !strings.HasPrefix(url, "redis://") && !strings.HasPrefix(url, "rediss://") {
		return nil, errors.New("must start with redis:// or rediss://")
	}
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("not a valid redis:// URL")
	}
	return o, nil
}

// Open returns a Store; it connects on first use.
func Open(opts Options) (*Store, error) {
	opts.setDefaults()
	ro, err := ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("sessions: REDIS_URL %w", err)
	}
	ro.DialTimeout = opts.OpTimeout
	ro.ReadTimeout = opts.OpTimeout
	ro.WriteTimeout = opts.OpTimeout
	ro.MaxRetries = 1
	ro.PoolSize = 4
	ro.DisableIdentity = true // CLIENT SETINFO is not served everywhere (older Redis, some proxies)
	// Every call's context deadline bounds its reads and writes, so that a
	// caller with a tighter budget than OpTimeout (/healthz) keeps it when
	// the store stalls.
	ro.ContextTimeoutEnabled = true
	if opts.Dial != nil {
		ro.Dialer = opts.Dial
	}
	instance := opts.Instance
	if instance == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		instance = hex.EncodeToString(b)
	}
	quietRedisLog()
	return &Store{
		opts:     opts,
		rdb:      redis.NewClient(ro),
		instance: strings.ReplaceAll(instance, ":", "_"),
		pools:    map[string]*Pool{},
		leases:   map[*Lease]struct{}{},
	}, nil
}

// Close stops renewing the leases still held (they lapse by themselves;
// release them first for a clean handover) and closes the connections.
func (s *Store) Close() error {
	s.mu.Lock()
	leases := make([]*Lease, 0, len(s.leases))
	for l := range s.leases {
		leases = append(leases, l)
	}
	s.mu.Unlock()
	for _, l := range leases {
		l.end()
	}
	return s.rdb.Close()
}

func (s *Store) track(l *Lease) {
	s.mu.Lock()
	s.leases[l] = struct{}{}
	s.mu.Unlock()
}

func (s *Store) forget(l *Lease) {
	s.mu.Lock()
	delete(s.leases, l)
	s.mu.Unlock()
}

// LeaseTTL is the lease duration in use.
func (s *Store) LeaseTTL() time.Duration { return s.opts.LeaseTTL }

// Ping checks the store answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrStoreUnreachable, scrub(err))
	}
	return nil
}

// Pool is the session pool of one bot, keyed by its id (the digits before
// the colon of its token: not a secret). secret derives the key that seals
// its sessions (nil: the Store's Secret).
func (s *Store) Pool(bot string, secret []byte) (*Pool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pools[bot]; ok {
		return p, nil
	}
	if secret == nil {
		secret = s.opts.Secret
	}
	sl, err := newSealer(secret, bot)
	if err != nil {
		return nil, err
	}
	p := &Pool{store: s, bot: bot, prefix: "ftl:{" + bot + "}:", seal: sl}
	p.local.budget = s.opts.LoginBudget
	s.pools[bot] = p
	return p, nil
}

// quietRedisLog sends go-redis's own log lines (dial failures, with the
// store's address) to slog at debug level instead of stderr.
var quietRedisLog = sync.OnceFunc(func() { redis.SetLogger(redisLogger{}) })

type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// scrub drops what a Redis error may say about the address (the URL's
// password never appears in go-redis errors, but an address is not for
// clients either): the class of failure is enough.
func scrub(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return errors.New("timeout")
	case errors.As(err, &ne):
		return errors.New("network error")
	case errors.Is(err, redis.ErrClosed):
		return errors.New("client closed")
	}
	var re redis.Error
	if errors.As(err, &re) {
		return errors.New(redisErrorText(re.Error()))
	}
	return errors.New("connection failed")
}
