package stream

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// TestHangUpCostsLittle: clients that hang up as soon as the response
// starts (the far end of a loopback TCP connection closes unread) cost
// about two parts of getFile each, at most 3 MiB on average, with the
// default window of 16: going wide is earned by draining, which a client
// that hung up does not do for long.
func TestHangUpCostsLittle(t *testing.T) {
	const size, clients = 64 * mib, 8
	svc, m, f := memWithFile(t, Options{}, size)
	m.latency = 20 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close() // hangs up without reading
		}
	}()
	for i := range clients {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.Open(context.Background(), f, 0, size-1)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(conn, r)
		r.Close()
		conn.Close()
		if err == nil {
			t.Fatalf("client %d: %d bytes written to a connection that hung up, no error", i, n)
		}
	}
	served := settle(m)
	if per := float64(served) / clients / mib; per > 3 {
		t.Errorf("a hang-up cost %.2f MiB of getFile on average, want ≤ 3", per)
	} else {
		t.Logf("a hang-up cost %.2f MiB of getFile on average (%d calls in all)", per, m.count(mGetFile))
	}
}
