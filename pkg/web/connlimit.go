package web

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// DefaultConnsPerAddr is how many connections LimitConnsPerAddr lets one
// client address hold open when it is given 0.
const DefaultConnsPerAddr = 64

// ConnLimiter is a net.Listener that lets one client address (an IPv4
// address, an IPv6 /64: the keys of clientKey) hold at most perAddr
// connections open; a connection over that is closed as soon as it is
// accepted. It keys by the TCP peer, so it is for a server clients reach
// directly: behind a proxy every connection comes from the proxy, and the
// per-client bounds are the stream slots, keyed by the client address
// header.
type ConnLimiter struct {
	net.Listener
	perAddr int

	mu      sync.Mutex
	open    map[string]int
	refused atomic.Int64
}

// LimitConnsPerAddr wraps ln; n <= 0 means DefaultConnsPerAddr.
func LimitConnsPerAddr(ln net.Listener, n int) *ConnLimiter {
	if n <= 0 {
		n = DefaultConnsPerAddr
	}
	return &ConnLimiter{Listener: ln, perAddr: n, open: map[string]int{}}
}

// Refused is how many connections were closed for their address's bound.
func (l *ConnLimiter) Refused() int64 { return l.refused.Load() }

// Accept returns the next connection whose address is within its bound.
func (l *ConnLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := connKey(c.RemoteAddr())
		l.mu.Lock()
		ok := l.open[key] < l.perAddr
		if ok {
			l.open[key]++
		}
		l.mu.Unlock()
		if ok {
			return &limitedConn{Conn: c, done: func() { l.closed(key) }}, nil
		}
		l.refused.Add(1)
		_ = c.Close()
	}
}

func (l *ConnLimiter) closed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// connKey is the client address of a connection, as clientKey keys it.
func connKey(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		if addr, ok := netip.AddrFromSlice(tcp.IP); ok {
			return addrKey(addr)
		}
	}
	return a.String()
}

// limitedConn gives its address's place back once, at its first Close.
type limitedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.done)
	return err
}
