package stream

// Helpers shared by this package's tests and benchmarks: the in-memory
// Telegram's setup (memtg_test.go has the fake itself), the MTProto
// environment of the integration tests and benchmarks, and checks of the
// reader's goroutines.

import (
	"context"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/internal/tgfake/tgfakeclient"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

const mib = 1 << 20

// memWithFile is a Service over a fresh memTelegram holding message 1, a
// document of size bytes on the home DC, resolved.
func memWithFile(tb testing.TB, opts Options, size int64) (*Service, *memTelegram, *File) {
	tb.Helper()
	svc, m := newMemService(opts)
	m.add(1, size, 0)
	return svc, m, resolveMem(tb, svc, 1)
}

// env is a real gotd client logged in to the in-process fake Telegram.
type env struct {
	fake   *tgfake.Server
	client *tgclient.Client
	svc    *Service
}

type envOptions struct {
	stream  Options
	session []byte
}

func newClient(tb testing.TB, fake *tgfake.Server, session []byte) *tgclient.Client {
	tb.Helper()
	o := tgfakeclient.Options(fake)
	o.Session = session
	o.ConnsPerDC = 8
	o.RPCTimeout = 10 * time.Second
	o.FloodWaitBudget = 3 * time.Second
	o.ConnectWait = 20 * time.Second
	c := tgclient.New(o)
	tb.Cleanup(func() { c.Close() })
	return c
}

func newEnv(tb testing.TB, o envOptions) *env {
	tb.Helper()
	fake := tgfake.NewTest(tb, tgfake.Options{})
	client := newClient(tb, fake, o.session)
	o.stream.ChannelID = tgfake.DefaultChannelID
	return &env{fake: fake, client: client, svc: New(client, o.stream)}
}

func (e *env) add(tb testing.TB, caption string, m *tgfake.Media) (*File, int) {
	tb.Helper()
	id := e.fake.AddMessage(caption, m)
	f, err := e.svc.Resolve(context.Background(), id)
	if err != nil {
		tb.Fatalf("resolve %d: %v", id, err)
	}
	return f, id
}

// readRange opens first..last and reads it all.
func readRange(ctx context.Context, svc *Service, f *File, first, last int64) ([]byte, error) {
	r, err := svc.Open(ctx, f, first, last)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// readerGoroutines counts goroutines running this package's reader code:
// after Close there must be none.
func readerGoroutines() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	count := 0
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "filetolink/pkg/stream.(*reader)") {
			count++
		}
	}
	return count
}

// waitNoReaderGoroutines fails tb unless the reader goroutines are gone
// within 10 s. Close waits for them (its WaitGroup), but one that has run
// its deferred Done is still on the stack until it returns: a poll, not a
// snapshot, so that a busy machine (-race) does not fail it.
func waitNoReaderGoroutines(tb testing.TB) {
	tb.Helper()
	const within = 10 * time.Second
	if !waitUntil(within, func() bool { return readerGoroutines() == 0 }) {
		tb.Fatalf("%d reader goroutines still running %s after Close", readerGoroutines(), within)
	}
}

// waitUntil polls cond until it holds (true) or within has passed (false).
func waitUntil(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
