package tgclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/transport"

	"github.com/filetolink/filetolink/pkg/sessions"
)

// ErrLeaseNotHeld: the session's lease is not known to be held, so nothing
// may be sent on its key (another instance may be using it).
var ErrLeaseNotHeld = errors.New("session lease not held")

// leaseGuard keeps a connection silent on its key unless its lease is known valid.
// It guards three places, so that nothing reaches Telegram on a lapsed
// lease: every call (a waitInvoker on acquire), every dial
// (guardedResolver) and every packet gotd sends by itself, pings and acks
// included (guardedConn). A nil guard (the in-memory session) lets
// everything through.
type leaseGuard struct {
	lease *sessions.Lease
}

// check is the fast test for every packet: no store round trip.
func (g *leaseGuard) check() error {
	if g == nil || g.lease.Valid() {
		return nil
	}
	return ErrLeaseNotHeld
}

// acquire renews a lapsed lease before a call or a dial.
func (g *leaseGuard) acquire(ctx context.Context) error {
	if g == nil {
		return nil
	}
	if err := g.lease.Revalidate(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrLeaseNotHeld, err)
	}
	return nil
}

// guardedResolver dials only while the lease is held, and guards what is
// sent on the connections it makes.
type guardedResolver struct {
	next  dcs.Resolver
	guard *leaseGuard
}

func (r *guardedResolver) dial(ctx context.Context, f func() (transport.Conn, error)) (transport.Conn, error) {
	if err := r.guard.acquire(ctx); err != nil {
		return nil, err
	}
	c, err := f()
	if err != nil {
		return nil, err
	}
	return &guardedConn{Conn: c, guard: r.guard}, nil
}

func (r *guardedResolver) Primary(ctx context.Context, dc int, list dcs.List) (transport.Conn, error) {
	return r.dial(ctx, func() (transport.Conn, error) { return r.next.Primary(ctx, dc, list) })
}

func (r *guardedResolver) MediaOnly(ctx context.Context, dc int, list dcs.List) (transport.Conn, error) {
	return r.dial(ctx, func() (transport.Conn, error) { return r.next.MediaOnly(ctx, dc, list) })
}

func (r *guardedResolver) CDN(ctx context.Context, dc int, list dcs.List) (transport.Conn, error) {
	return r.dial(ctx, func() (transport.Conn, error) { return r.next.CDN(ctx, dc, list) })
}

// guardedConn drops the connection instead of sending a packet on a lapsed
// lease; gotd then redials, which waits for the lease.
type guardedConn struct {
	transport.Conn
	guard *leaseGuard
}

func (c *guardedConn) Send(ctx context.Context, b *bin.Buffer) error {
	if err := c.guard.check(); err != nil {
		_ = c.Conn.Close()
		return err
	}
	return c.Conn.Send(ctx, b)
}

// guardResolver wraps r (nil: gotd's default) when the guard is set.
func guardResolver(r dcs.Resolver, g *leaseGuard) dcs.Resolver {
	if g == nil {
		return r
	}
	if r == nil {
		r = dcs.DefaultResolver()
	}
	return &guardedResolver{next: r, guard: g}
}
