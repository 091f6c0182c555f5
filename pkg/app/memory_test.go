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
// does over MTProto; it never reconnects (in memory nothing drops).
type memTelegram struct {
	fake *tgfake.Server
	opts tgclient.Options

	mu        sync.Mutex
	apis      map[int]*tg.Client // by DC, logged in
	connected atomic.Bool
}

func newMemTelegram(fake *tgfake.Server, opts tgclient.Options) *memTelegram {
	if opts.DC == 0 {
		opts.DC = fake.HomeDC()
	}
	return &memTelegram{fake: fake, opts: opts, apis: map[int]*tg.Client{}}
}

func (m *memTelegram) API(ctx context.Context) (*tg.Client, error) { return m.DC(ctx, m.opts.DC) }

func (m *memTelegram) DC(ctx context.Context, dc int) (*tg.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if api := m.apis[dc]; api != nil {
		return api, nil
	}
	home := m.apis[m.opts.DC]
	if home == nil {
		inv := m.fake.Invoker(m.opts.DC)
		if _, err := tg.NewClient(inv).AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{
			APIID: m.opts.APIID, APIHash: m.opts.APIHash, BotAuthToken: m.opts.BotToken,
		}); err != nil {
			return nil, fmt.Errorf("%w: %w", tgclient.ErrLogin, err)
		}
		home = tg.NewClient(tgclient.Policies(inv, m.opts.DC, m.opts))
		m.apis[m.opts.DC] = home
		m.connected.Store(true)
	}
	if dc == m.opts.DC {
		return home, nil
	}
	exp, err := home.AuthExportAuthorization(ctx, dc)
	if err != nil {
		return nil, err
	}
	inv := m.fake.Invoker(dc)
	if _, err := tg.NewClient(inv).AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes}); err != nil {
		return nil, err
	}
	api := tg.NewClient(tgclient.Policies(inv, dc, m.opts))
	m.apis[dc] = api
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
