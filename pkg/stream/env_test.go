package stream_test

import (
	"context"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/internal/tgfake/tgfakeclient"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

// env is a real gotd client logged in to the in-process fake Telegram.
type env struct {
	fake   *tgfake.Server
	client *tgclient.Client
	svc    *stream.Service
}

type envOptions struct {
	stream  stream.Options
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
	return &env{fake: fake, client: client, svc: stream.New(client, o.stream)}
}

func (e *env) add(tb testing.TB, caption string, m *tgfake.Media) (*stream.File, int) {
	tb.Helper()
	id := e.fake.AddMessage(caption, m)
	f, err := e.svc.Resolve(context.Background(), id)
	if err != nil {
		tb.Fatalf("resolve %d: %v", id, err)
	}
	return f, id
}

// readRange opens first..last and reads it all.
func readRange(ctx context.Context, svc *stream.Service, f *stream.File, first, last int64) ([]byte, error) {
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

func waitNoReaderGoroutines(tb testing.TB, within time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for readerGoroutines() > 0 {
		if time.Now().After(deadline) {
			tb.Fatalf("%d reader goroutines still running %s after Close", readerGoroutines(), within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
