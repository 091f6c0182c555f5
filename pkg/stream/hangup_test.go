package stream

import (
	"context"
	"fmt"
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

// kernelWriter takes room bytes, as a client's socket buffers do, then
// fails as a write after the client's hang-up does.
type kernelWriter struct{ room int }

func (k *kernelWriter) Write(b []byte) (int, error) {
	if len(b) > k.room {
		n := k.room
		k.room = 0
		return n, net.ErrClosed
	}
	k.room -= len(b)
	return len(b), nil
}

// TestHangUpWithTwoPartsInTheKernel: the worst hang-up for the window's
// growth, a client whose kernel took exactly the first two parts (drained
// at once: they count as read fast) and whose hang-up shows at the third
// write, costs those two parts and the 8 the fourfold growth requested
// (the limit after the second part drained).
// The same holds when the first window went out as one call per account.
func TestHangUpWithTwoPartsInTheKernel(t *testing.T) {
	const size = 64 * mib
	for _, accounts := range []int{1, 4} {
		t.Run(fmt.Sprintf("accounts=%d", accounts), func(t *testing.T) {
			svc, m, f := memWithFile(t, Options{}, size)
			m.latency = 20 * time.Millisecond
			m.accounts = accounts
			r, err := svc.Open(context.Background(), f, 0, size-1)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(&kernelWriter{room: 2 * mib}, r)
			r.Close()
			if err == nil || n != 2*mib {
				t.Fatalf("%d bytes written, err %v; want 2 MiB and an error", n, err)
			}
			served := settle(m)
			if most := int64(initialLimit+4*initialLimit) * mib; served > most {
				t.Errorf("the hang-up cost %.2f MiB of getFile, want ≤ %d (two parts and the 8 of fourfold growth)", float64(served)/mib, most/mib)
			} else {
				t.Logf("the hang-up cost %.2f MiB of getFile", float64(served)/mib)
			}
		})
	}
}
