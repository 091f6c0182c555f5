package tgfake

// Helpers for tests that run against the fake, in the style of
// net/http/httptest. They take TB, not testing.TB, so that the server binary
// (whose -demo embeds the fake) does not link package testing for them.

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
)

// TB is the part of testing.TB the helpers use; *testing.T and *testing.B
// are TBs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
}

// startTimeout bounds NewTest's start.
const startTimeout = 30 * time.Second

// NewTest starts a fake for the test, fails tb if it does not come up, and
// closes it when the test and its subtests end (a failed Close fails tb).
func NewTest(tb TB, opts Options) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		tb.Fatalf("start fake Telegram: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close fake Telegram: %v", err)
		}
	})
	return s
}

// ClientOptions is what a client needs to log in to the fake as its bot.
// The fields are named as in pkg/tgclient.Options.
type ClientOptions struct {
	APIID    int
	APIHash  string
	BotToken string

	DC         int // the home DC
	DCList     dcs.List
	PublicKeys []telegram.PublicKey
	Resolver   dcs.Resolver
}

// ClientOptions returns the credentials the fake accepts and how to reach
// its DCs.
func (s *Server) ClientOptions() ClientOptions {
	return ClientOptions{
		APIID:      s.opts.APIID,
		APIHash:    s.opts.APIHash,
		BotToken:   s.opts.BotToken,
		DC:         s.HomeDC(),
		DCList:     s.DCList(),
		PublicKeys: s.PublicKeys(),
		Resolver:   s.Resolver(),
	}
}

// ReadRange returns bytes first..last (inclusive) of c, failing tb unless
// all of them are there.
func ReadRange(tb TB, c Content, first, last int64) []byte {
	tb.Helper()
	b := make([]byte, last-first+1)
	if n, err := c.ReadAt(b, first); n != len(b) {
		tb.Fatalf("read content %d-%d: %d bytes: %v", first, last, n, err)
	}
	return b
}

// LogBuffer collects output written from other goroutines (a server's log,
// a child process's stdout and stderr). The zero value is ready to use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
