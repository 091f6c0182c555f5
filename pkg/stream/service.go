package stream

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"
)

// Telegram is what the core needs from the client (*tgclient.Client).
type Telegram interface {
	// API is the home-DC API.
	API(ctx context.Context) (*tg.Client, error)
	// DC is the download pool of a DC.
	DC(ctx context.Context, dc int) (*tg.Client, error)
	// Connected reports whether the client is logged in right now.
	Connected() bool
}

// Options tune a Service. Zero values take the documented defaults.
type Options struct {
	// ChannelID is the log channel's bare id (1234567890, not -100…).
	ChannelID int64
	// Window is the parts one stream keeps in flight at most (default 16:
	// what 8 download connections carrying 2 getFile each take at once,
	// wider than one call per connection so that a stream that starts with
	// two parts catches up after its first round trip).
	Window int
	// BufferBudget is the bytes all streams together may hold (default 128 MiB).
	BufferBudget int64
	// BusyWait is how long a new stream waits for budget before ErrBusy (default 2s).
	BusyWait time.Duration
	// CacheTTL and CacheSize bound the resolved-message cache (default 10m, 1024).
	CacheTTL  time.Duration
	CacheSize int
	// NegativeTTL is how long "no such message" is remembered (default 10s).
	NegativeTTL time.Duration
	// NegativeSize bounds the remembered misses, kept apart from the
	// resolved messages so that misses never evict them (default 4096).
	NegativeSize int
	// PartRetries is how often a failed or timed-out part is retried (default 3).
	PartRetries int
	// StallTimeout is how long a stream may go without a Read before its
	// prefetched parts are dropped and their budget returned (default 1s).
	// It is shorter than BusyWait, so a stream waiting for budget held by
	// stalled streams gets it.
	StallTimeout time.Duration
}

func (o *Options) setDefaults() {
	if o.Window <= 0 {
		o.Window = 16
	}
	if o.BufferBudget <= 0 {
		o.BufferBudget = 128 << 20
	}
	if o.BusyWait <= 0 {
		o.BusyWait = 2 * time.Second
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 10 * time.Minute
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 1024
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = 10 * time.Second
	}
	if o.NegativeSize <= 0 {
		o.NegativeSize = 4096
	}
	if o.PartRetries <= 0 {
		o.PartRetries = 3
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = time.Second
	}
}

// Service resolves log-channel messages and reads byte ranges of their files.
type Service struct {
	tg       conn
	opts     Options
	resolver *resolver
	budget   *budget
	reclaims atomic.Int64 // stalled streams whose prefetched parts were dropped
	health   healthState
}

// New returns a Service over a Telegram client.
func New(t Telegram, opts Options) *Service { return newService(telegramConn{t}, opts) }

func newService(t conn, opts Options) *Service {
	opts.setDefaults()
	return &Service{
		tg:   t,
		opts: opts,
		resolver: &resolver{
			tg:        t,
			channelID: opts.ChannelID,
			cache:     newFileCache(opts.CacheSize, opts.CacheTTL, opts.NegativeTTL),
			misses:    newFileCache(opts.NegativeSize, opts.NegativeTTL, opts.NegativeTTL),
			bound:     idBound{now: time.Now},
		},
		budget: newBudget(opts.BufferBudget),
	}
}

// Resolve describes the media of log-channel message id.
func (s *Service) Resolve(ctx context.Context, id int) (*File, error) {
	if id <= 0 {
		return nil, ErrMessageNotFound
	}
	f, err := s.resolver.resolve(ctx, id)
	s.observe(err)
	return f, err
}

// Cached returns message id's File if it is resolved and cached: no
// Telegram call, no wait.
func (s *Service) Cached(id int) (*File, bool) { return s.resolver.cached(id) }

// Forget drops message id from the resolved-message cache: the next
// Resolve asks Telegram (after a revoke, say). Other processes' caches keep
// it until CacheTTL.
func (s *Service) Forget(id int) { s.resolver.forget(id) }

// Connected reports whether Telegram is logged in right now.
func (s *Service) Connected() bool { return s.tg.connected() }

// BufferInUse reports the bytes of prefetched parts held now.
func (s *Service) BufferInUse() int64 { return s.budget.inUse() }

// Reclaims reports how many times a stalled stream's prefetched parts were
// dropped to return their budget.
func (s *Service) Reclaims() int64 { return s.reclaims.Load() }

// Open yields exactly bytes first..last (inclusive) of f. Closing the reader
// or ending ctx stops every Telegram call it started.
func (s *Service) Open(ctx context.Context, f *File, first, last int64) (io.ReadCloser, error) {
	if f != nil && f.Kind == KindUnsupported {
		return nil, ErrUnsupportedMedia
	}
	if f == nil || f.location == nil {
		return nil, fmt.Errorf("%w: no file location", ErrNoMedia)
	}
	if first < 0 || last < first || last >= f.Size {
		return nil, fmt.Errorf("%w: %d-%d of %d bytes", ErrRange, first, last, f.Size)
	}
	return s.newReader(ctx, f, first, last)
}
