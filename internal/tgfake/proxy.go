package tgfake

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
)

// proxy is a TCP relay in front of one DC's tgtest listener. Clients only ever
// learn the proxy's address, so the Server can cut them off (SetReachable) and
// close every connection on Close, which also ends tgtest's per-connection
// goroutines.
type proxy struct {
	dc       int
	listener net.Listener
	upstream string
	log      *slog.Logger
	// observe is told of every encrypted packet a client sends: its auth
	// key id and the client's address (see keys.go).
	observe func(dc int, key [8]byte, from string)

	// exchange keeps packets from the server while a key is stored
	// (holdForKey).
	exchange sync.RWMutex

	mu          sync.Mutex
	unreachable bool
	closed      bool
	conns       map[net.Conn]struct{}     // both ends of every relayed pair
	quiet       map[net.Conn]*atomic.Bool // by client end: true once silenced

	wg sync.WaitGroup
}

func newProxy(dc int, upstream string, log *slog.Logger, observe func(int, [8]byte, string)) (*proxy, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{
		dc:       dc,
		listener: l,
		upstream: upstream,
		log:      log,
		observe:  observe,
		conns:    map[net.Conn]struct{}{},
		quiet:    map[net.Conn]*atomic.Bool{},
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

func (p *proxy) addr() *net.TCPAddr { return p.listener.Addr().(*net.TCPAddr) }

func (p *proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.listener.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.log.Warn("tgfake: proxy accept", "dc", p.dc, "err", err)
			}
			return
		}
		p.mu.Lock()
		refuse := p.unreachable || p.closed
		p.mu.Unlock()
		if refuse {
			// Telegram is "down": the client sees its connection reset at once.
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.relay(c)
	}
}

func (p *proxy) relay(client net.Conn) {
	defer p.wg.Done()
	quiet := new(atomic.Bool)
	if !p.track(client, quiet) {
		_ = client.Close()
		return
	}
	defer p.untrack(client)
	// tgtest's accept loop reads each connection's transport tag (its first
	// four bytes) itself, and a connection that ends before it stops the
	// whole cluster, every DC, for good. So the server is dialled only for
	// a client that has sent four bytes, and gets them at once, before the
	// connection is tracked: nothing (SetReachable, Close, the client's
	// hang-up) can close it before its tag is in.
	in := bufio.NewReaderSize(client, 64<<10)
	head, err := in.Peek(4)
	if err != nil {
		_ = client.Close()
		return
	}
	tag := append([]byte(nil), head...)
	_, _ = in.Discard(len(tag))
	server, err := net.Dial("tcp4", p.upstream)
	if err != nil {
		p.log.Warn("tgfake: proxy dial upstream", "dc", p.dc, "err", err)
		_ = client.Close()
		return
	}
	if _, err := server.Write(tag); err != nil || !p.track(server, nil) {
		_ = client.Close()
		_ = server.Close()
		return
	}
	defer p.untrack(server)

	done := make(chan struct{})
	go func() {
		// Owned by relay: relay waits for it below.
		defer close(done)
		_ = p.forward(quietWriter{server, quiet}, in, client.RemoteAddr(), tag)
		_ = server.Close()
	}()
	_, _ = io.Copy(quietWriter{client, quiet}, server)
	_ = client.Close()
	_ = server.Close()
	<-done
}

// track registers c, closed by dropAll; quiet, if not nil, silences what
// is written to c (see silence.go). It reports false once the proxy is
// closed or unreachable.
func (p *proxy) track(c net.Conn, quiet *atomic.Bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.unreachable || p.closed {
		return false
	}
	if quiet != nil {
		p.quiet[c] = quiet
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.quiet, c)
	p.mu.Unlock()
}

// dropAll closes every relayed connection; the relays then exit.
func (p *proxy) dropAllLocked() {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
	}
}

func (p *proxy) setReachable(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unreachable = !ok
	if !ok {
		p.dropAllLocked()
	}
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	_ = p.listener.Close()
	p.dropAllLocked()
	p.mu.Unlock()
	p.wg.Wait()
}
