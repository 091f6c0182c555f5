package tgfake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Host is one simulated machine for tests that run several service
// instances in one process: every connection it dials (to the fake
// Telegram, to Redis) comes from its own loopback address, 127.0.0.N, so
// the fake tells the instances apart by address as Telegram would. Freeze
// stops its network as a frozen Lambda's: pending and new reads and writes
// wait, and after Thaw the connections that were open are broken (a thawed
// process usually finds its TCP connections dead) while new ones work.
type Host struct {
	ip net.IP

	mu     sync.Mutex
	thawed chan struct{} // closed while not frozen
	epoch  int           // freezes so far
	conns  map[*hostConn]struct{}
}

// NewHost returns host n (1..250), whose address is 127.0.0.(n+1).
func NewHost(n int) *Host {
	if n < 1 || n > 250 {
		panic(fmt.Sprintf("tgfake: host %d out of 1..250", n))
	}
	ch := make(chan struct{})
	close(ch)
	return &Host{ip: net.IPv4(127, 0, 0, byte(n+1)), thawed: ch, conns: map[*hostConn]struct{}{}}
}

// IP is the host's address.
func (h *Host) IP() net.IP { return h.ip }

// Dial connects from the host's address (a dcs.DialFunc, a go-redis Dialer).
func (h *Host) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	h.mu.Lock()
	epoch := h.epoch
	h.mu.Unlock()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: h.ip}}
	c, err := d.DialContext(ctx, "tcp4", addr)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.epoch != epoch {
		// Frozen while dialling: the connection is as dead as the others.
		_ = c.Close()
		return nil, errThawed
	}
	hc := &hostConn{Conn: c, h: h, epoch: epoch}
	h.conns[hc] = struct{}{}
	return hc, nil
}

// Freeze stops the host's network until Thaw.
func (h *Host) Freeze() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.thawed:
	default:
		return // frozen already
	}
	h.thawed = make(chan struct{})
	h.epoch++
	for c := range h.conns {
		// Wake blocked reads and writes: they wait for the thaw.
		_ = c.Conn.SetDeadline(time.Unix(1, 0))
	}
}

// Thaw lets the host run again.
func (h *Host) Thaw() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.thawed:
	default:
		close(h.thawed)
	}
}

func (h *Host) wait(ctx context.Context) error {
	h.mu.Lock()
	ch := h.thawed
	h.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errThawed: the connection was open across a freeze.
var errThawed = errors.New("tgfake: connection broken by a freeze")

type hostConn struct {
	net.Conn
	h     *Host
	epoch int
}

// check waits out a freeze; a connection from before it is broken.
func (c *hostConn) check() error {
	_ = c.h.wait(context.Background())
	c.h.mu.Lock()
	stale := c.epoch != c.h.epoch
	c.h.mu.Unlock()
	if stale {
		_ = c.Close()
		return errThawed
	}
	return nil
}

func (c *hostConn) Read(b []byte) (int, error) { return c.do(c.Conn.Read, b) }

func (c *hostConn) Write(b []byte) (int, error) { return c.do(c.Conn.Write, b) }

// do runs a Read or Write after check; when it fails, a freeze that broke
// the connection meanwhile is the error reported.
func (c *hostConn) do(op func([]byte) (int, error), b []byte) (int, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	n, err := op(b)
	if err != nil {
		if cerr := c.check(); cerr != nil {
			return n, cerr
		}
	}
	return n, err
}

func (c *hostConn) Close() error {
	c.h.mu.Lock()
	delete(c.h.conns, c)
	c.h.mu.Unlock()
	return c.Conn.Close()
}
