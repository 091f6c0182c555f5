package tgclient

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// TestStuckConnectionIsReplaced: a logged-in connection whose primary link
// has been down for stuckAfter RPC timeouts is replaced by the next call
// (a new gotd client on the same session: no second login), and the
// replacement serves once Telegram is back. Counted by connections
// started and the fake's logins, not by time.
func TestStuckConnectionIsReplaced(t *testing.T) {
	srv := tgfake.NewTest(t, tgfake.Options{})
	c := fakeClient(t, srv, func(o *Options) { o.RPCTimeout = 250 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	first, err := c.ready(ctx)
	if err != nil {
		t.Fatal(err)
	}

	srv.SetReachable(false)
	for first.connState.downFor() < stuckAfter*c.opts.RPCTimeout {
		if ctx.Err() != nil {
			t.Fatal("the connection never went down")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The next call replaces it; while Telegram is unreachable the new one
	// cannot connect, so the call fails.
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = c.ready(short)
	cancelShort()
	if err == nil {
		t.Fatal("a call while Telegram is unreachable succeeded")
	}
	c.mu.Lock()
	second := c.conn
	c.mu.Unlock()
	if second == first {
		t.Fatal("a connection down for stuckAfter RPC timeouts was not replaced")
	}
	<-first.stopped // the replacement stopped it

	srv.SetReachable(true)
	for {
		api, err := c.API(ctx)
		if err == nil {
			_, err = api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no answer after Telegram came back: %v", err)
		}
	}
	if n := srv.Logins(); n != 1 {
		t.Errorf("%d logins, want 1: the replacement reuses the session", n)
	}
}

// deafConn takes every byte written and never answers: a link whose
// other end is gone without a word.
type deafConn struct {
	net.Conn // nil: only the methods below are called
	closed   chan struct{}
	once     sync.Once
}

func (d *deafConn) Read([]byte) (int, error)         { <-d.closed; return 0, net.ErrClosed }
func (d *deafConn) Write(b []byte) (int, error)      { return len(b), nil }
func (d *deafConn) Close() error                     { d.once.Do(func() { close(d.closed) }); return nil }
func (d *deafConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (d *deafConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (d *deafConn) SetDeadline(time.Time) error      { return nil }
func (d *deafConn) SetReadDeadline(time.Time) error  { return nil }
func (d *deafConn) SetWriteDeadline(time.Time) error { return nil }

// TestDeafLaneIsRetried: a further download connection whose link never
// answers does not cost the DC that connection: it is stopped at its
// deadline (2 RPC timeouts, here 1 s) and opened again. Counted by the deaf
// dials and the connections the fake saw serve. (gotd also gives up on
// such a link by itself, after about 20 s here; the deadline makes the
// bound ours.)
func TestDeafLaneIsRetried(t *testing.T) {
	srv := tgfake.NewTest(t, tgfake.Options{})
	id := srv.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(1, 64<<10)})
	var mu sync.Mutex
	dials, deafAt, deaf := 0, 0, 0 // deafAt: the dial made deaf (0: none yet)
	var d net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials++
		makeDeaf := deafAt != 0 && dials == deafAt
		if makeDeaf {
			deaf++
		}
		mu.Unlock()
		if makeDeaf {
			c := &deafConn{closed: make(chan struct{})}
			t.Cleanup(func() { c.Close() })
			return c, nil
		}
		return d.DialContext(ctx, network, addr)
	}
	const conns = 2
	c := fakeClient(t, srv, func(o *Options) {
		o.ConnsPerDC = conns
		o.RPCTimeout = 500 * time.Millisecond
		o.Resolver = srv.ResolverWith(dial)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	loc, err := documentLocation(ctx, c, id)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	deafAt = dials + 2 // the DC's first connection dials normally, the second is deaf
	mu.Unlock()
	api, err := c.DC(ctx, srv.HomeDC())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); len(srv.ConnStats()) < conns; {
		if err := getFiles(ctx, api, loc, 8, 8, 4096); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d download connections served after 60 s, want %d", len(srv.ConnStats()), conns)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if deaf != 1 {
		t.Errorf("%d deaf dials, want 1 (the test's premise)", deaf)
	}
}
