package app_test

// The service over the fake Telegram in memory (tgfake.NewMemory): the
// same App (config → stream → web) with tgclient's call policies over the
// fake's in-memory connections instead of MTProto, served over in-memory
// pipes instead of loopback TCP. Nothing leaves the process, so a test runs
// in a testing/synctest bubble: Telegram's pauses, flood waits, RPC timeouts
// and stall timeouts pass in fake time, and a figure of time (how long an
// answer took) is exact. What needs the wire — logins over MTProto,
// reconnects, dropped connections, outages, the session pool over Redis —
// is tested on a site over loopback (newSite, newFleet).

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/bottoken"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

// newMemSite is newSite in memory, logged in. Call it inside
// synctest.Test: what it starts belongs to the bubble and stops at the
// test's cleanup.
func newMemSite(t *testing.T, tune func(*config.Config)) *site {
	t.Helper()
	s := newColdMemSite(t, tune)
	if _, err := s.app.Telegram.API(context.Background()); err != nil {
		t.Fatalf("login: %v", err)
	}
	return s
}

// newColdMemSite is newMemSite without the login: the first request logs in.
func newColdMemSite(t *testing.T, tune func(*config.Config)) *site {
	t.Helper()
	fake, err := tgfake.NewMemory(tgfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig(fake.HomeDC())
	if tune != nil {
		tune(&cfg)
	}
	logs := &tgfake.LogBuffer{}
	a, err := app.New(cfg, app.Options{
		NewTelegram: func(o tgclient.Options) app.Telegram { return newMemTelegram(fake, o) },
		Logger:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		t.Fatal(err)
	}
	l := newPipeListener()
	srv := &http.Server{Handler: a.Handler}
	served := make(chan struct{})
	go func() {
		// Owned by the site: the cleanup closes srv and waits on served.
		defer close(served)
		_ = srv.Serve(l)
	}()
	s := &site{fake: fake, app: a, base: "http://site.test", dial: l.dial, logs: logs, secrets: []string{cfg.BotToken}}
	t.Cleanup(func() {
		_ = srv.Close()
		<-served
		a.Close()
		fake.Close()
		s.checkLogs(t)
	})
	return s
}

// memTelegram is app.Telegram over the fake in memory: tgclient's call
// policies (tgclient.Policies) over the fake's in-memory connections. It
// logs in as the bot on first use and authorizes another DC's connection
// by auth.exportAuthorization / auth.importAuthorization, as the client
// does over MTProto; it never reconnects (in memory nothing drops). As the
// client's, a login or transfer is made once for all the calls that wait
// for it at the time: they share its outcome, and a failed one is made
// again by the next call.
type memTelegram struct {
	fake *tgfake.Server
	opts tgclient.Options

	// mu guards dcs only: it is never held while calling the fake (a
	// goroutine waiting on a mutex is not durably blocked, so a bubble
	// would not advance its clock).
	mu        sync.Mutex
	dcs       map[int]*memDC // by DC: logged in, or being
	connected atomic.Bool
}

// memDC is one DC's login or transfer: api is set once done is closed
// and err is nil.
type memDC struct {
	done chan struct{}
	api  *tg.Client
	err  error
}

func newMemTelegram(fake *tgfake.Server, opts tgclient.Options) *memTelegram {
	if opts.DC == 0 {
		opts.DC = fake.HomeDC()
	}
	return &memTelegram{fake: fake, opts: opts, dcs: map[int]*memDC{}}
}

func (m *memTelegram) API(ctx context.Context) (*tg.Client, error) { return m.DC(ctx, m.opts.DC) }

func (m *memTelegram) DC(ctx context.Context, dc int) (*tg.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // a caller gone starts nothing
	}
	m.mu.Lock()
	d := m.dcs[dc]
	if d == nil {
		d = &memDC{done: make(chan struct{})}
		m.dcs[dc] = d
		go func() {
			// Owned by d: it ends with the login or transfer, bounded by
			// the fake (closed at the site's cleanup) and the RPC timeout.
			defer close(d.done)
			d.api, d.err = m.setUp(dc)
			if d.err != nil {
				m.mu.Lock()
				delete(m.dcs, dc)
				m.mu.Unlock()
			}
		}()
	}
	m.mu.Unlock()
	select {
	case <-d.done:
		return d.api, d.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// dcConnectTime is how long a new connection to another DC takes to open
// in memory (in fake time).
const dcConnectTime = 10 * time.Millisecond

// setUp logs in to the home DC, or authorizes dc's connection with the
// home DC's (logging in first if need be).
func (m *memTelegram) setUp(dc int) (*tg.Client, error) {
	ctx := context.Background()
	if dc == m.opts.DC {
		inv := m.fake.Invoker(dc)
		if _, err := tg.NewClient(inv).AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{
			APIID: m.opts.APIID, APIHash: m.opts.APIHash, BotAuthToken: m.opts.BotToken,
		}); err != nil {
			return nil, fmt.Errorf("%w: %w", tgclient.ErrLogin, err)
		}
		m.connected.Store(true)
		return tg.NewClient(tgclient.Policies(inv, dc, m.opts)), nil
	}
	home, err := m.DC(ctx, m.opts.DC)
	if err != nil {
		return nil, err
	}
	// Opening the DC's connection takes a moment (a TCP connect and a key
	// exchange over MTProto): the calls that ask for the DC at once, as a
	// stream's window of parts does, share this transfer and its outcome.
	time.Sleep(dcConnectTime)
	exp, err := home.AuthExportAuthorization(ctx, dc)
	if err != nil {
		return nil, fmt.Errorf("export authorization to DC %d: %w", dc, err)
	}
	// As the client's transfer: the import goes through the new
	// connection's policies (a flood wait within the budget is waited out).
	api := tg.NewClient(tgclient.Policies(m.fake.Invoker(dc), dc, m.opts))
	if _, err := api.AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes}); err != nil {
		return nil, fmt.Errorf("import authorization on DC %d: %w", dc, err)
	}
	return api, nil
}

func (m *memTelegram) Connected() bool { return m.connected.Load() }

func (m *memTelegram) Status() tgclient.Status {
	return tgclient.Status{BotID: bottoken.ID(m.opts.BotToken), Connected: m.Connected()}
}

func (m *memTelegram) SessionStatus(context.Context) sessions.Report {
	return sessions.Report{Bot: bottoken.ID(m.opts.BotToken), Source: "memory"}
}

func (m *memTelegram) ExportSession(context.Context) ([]byte, error) {
	return nil, fmt.Errorf("in memory: no MTProto session")
}

func (m *memTelegram) Close() error {
	m.connected.Store(false)
	return nil
}

// pipeListener is a net.Listener whose connections are net.Pipes: a
// blocked read or write is durably blocked in a synctest bubble, as a
// loopback socket's is not.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	dials atomic.Uint32
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// pipeAddr is the server's address.
var pipeAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}

// pipeConn is one end of a pipe; remote is the other end's address.
type pipeConn struct {
	net.Conn
	local, remote net.Addr
}

func (c pipeConn) LocalAddr() net.Addr  { return c.local }
func (c pipeConn) RemoteAddr() net.Addr { return c.remote }

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr }

// dial connects to the listener (any address).
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	// Each connection is a client of its own, with an address of its own
	// (the service bounds connections and streams per address).
	n := l.dials.Add(1)
	addr := &net.TCPAddr{IP: net.IPv4(127, 2, byte(n>>8), byte(n)), Port: 1024}
	client, server := net.Pipe()
	select {
	case l.conns <- pipeConn{server, pipeAddr, addr}:
		return pipeConn{client, addr, pipeAddr}, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// inMemory runs n cases as parallel subtests named name(i), each in a
// synctest bubble of its own.
func inMemory(t *testing.T, n int, name func(i int) string, run func(t *testing.T, i int)) {
	t.Helper()
	for i := range n {
		t.Run(name(i), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { run(t, i) })
		})
	}
}
