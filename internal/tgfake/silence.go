package tgfake

import (
	"net"
	"sync/atomic"
)

// SilenceConnections makes every connection open now a black hole, as a
// connection that died while its process was frozen (a thawed serverless
// function whose NAT mapping expired): it stays open, what the client
// sends is lost and nothing comes back, not even acknowledgements or the
// answer to rpc_drop_answer. New connections work as usual.
func (s *Server) SilenceConnections() {
	for _, p := range s.proxyList() {
		p.silenceAll()
	}
}

func (p *proxy) silenceAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, q := range p.quiet {
		q.Store(true)
	}
}

// quietWriter relays to w until quiet is set, then discards.
type quietWriter struct {
	w     net.Conn
	quiet *atomic.Bool
}

func (q quietWriter) Write(b []byte) (int, error) {
	if q.quiet.Load() {
		return len(b), nil
	}
	return q.w.Write(b)
}
