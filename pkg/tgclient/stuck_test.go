package tgclient

import (
	"context"
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
