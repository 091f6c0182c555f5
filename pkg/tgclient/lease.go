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

// leaseGate keeps a run silent on its key unless its lease is known valid.
// It guards three places, so that nothing reaches Telegram on a lapsed
// lease: every call (a waitInvoker on acquire), every dial (gatedResolver) and every
// packet gotd sends by itself, pings and acks included (gatedConn). A nil
// gate (the in-memory session) is always open.
type leaseGate struct {
	lease *sessions.Lease
}

// check is the fast test for every packet: no store round trip.
func (g *leaseGate) check() error {
	if g == nil || g.lease.Valid() {
		return nil
	}
	return ErrLeaseNotHeld
}

// acquire renews a lapsed lease before a call or a dial.
func (g *leaseGate) acquire(ctx context.Context) error {
	if g == nil {
		return nil
	}
	if err := g.lease.Revalidate(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrLeaseNotHeld, err)
	}
	return nil
}

// gatedResolver dials only while the lease is held, and gates what is sent
// on the connections it makes.
type gatedResolver struct {
	next dcs.Resolver
	gate *leaseGate
}

func (r *gatedResolver) dial(ctx context.Context, f func() (transport.Conn, error)) (transport.Conn, error) {
	if err := r.gate.acquire(ctx); err != nil {
		return nil, err
	}
	c, err := f()
	if err != nil {
		return nil, err
	}
	return &gatedConn{Conn: c, gate: r.gate}, nil
}

func (r *gatedResolver) Primary(ctx context.Context, dc int, list dcs.List) (transport.Conn, error) {
	return r.dial(ctx, func() (transport.Conn, error) { return r.next.Primary(ctx, dc, list) })
}

func (r *gatedResolver) MediaOnly(ctx context.Context, dc int, list dcs.List) (transport.Conn, error) {
	return r.dial(ctx, func() (transport.Conn, error) { return r.next.MediaOnly(ctx, dc, list) })
}

func (r *gatedResolver) CDN(ctx context.Context, dc int, list dcs.List) (transport.Conn, error) {
	return r.dial(ctx, func() (transport.Conn, error) { return r.next.CDN(ctx, dc, list) })
}

// gatedConn drops the connection instead of sending a packet on a lapsed
// lease; gotd then redials, which waits for the lease.
type gatedConn struct {
	transport.Conn
	gate *leaseGate
}

func (c *gatedConn) Send(ctx context.Context, b *bin.Buffer) error {
	if err := c.gate.check(); err != nil {
		_ = c.Conn.Close()
		return err
	}
	return c.Conn.Send(ctx, b)
}

// gateResolver wraps r (nil: gotd's default) when the gate is set.
func gateResolver(r dcs.Resolver, g *leaseGate) dcs.Resolver {
	if g == nil {
		return r
	}
	if r == nil {
		r = dcs.DefaultResolver()
	}
	return &gatedResolver{next: r, gate: g}
}
