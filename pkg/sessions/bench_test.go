package sessions

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/redistest"
)

// The store's cost on loopback. A request itself never waits on the store
// (the lease is checked locally: BenchmarkLeaseValid); the store is asked
// per lease renewal and per cold start (acquire + release).
func BenchmarkStore(b *testing.B) {
	srv := redistest.Start(b)
	p := newBenchPool(b, srv)
	ctx := context.Background()
	_, _ = p.Seed(ctx, make([]byte, 600)) // about the size of a stored session
	b.Run("renew", func(b *testing.B) {
		l, err := p.Acquire(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Release(ctx)
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			if err := l.renew(ctx); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		reportP99(b, lat)
	})
	b.Run("acquire+release", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		prefer := ""
		for b.Loop() {
			start := time.Now()
			l, err := p.Acquire(ctx, prefer)
			if err != nil {
				b.Fatal(err)
			}
			if err := l.Release(ctx); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			prefer = l.ID()
		}
		reportP99(b, lat)
	})
}

func BenchmarkLeaseValid(b *testing.B) {
	srv := redistest.Start(b)
	p := newBenchPool(b, srv)
	l, err := p.Acquire(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !l.Valid() {
			b.Fatal("lease not valid")
		}
	}
}

func newBenchPool(b *testing.B, srv *redistest.Server) *Pool {
	st, err := Open(Options{URL: srv.URL(), Secret: testSecret, Instance: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	p, err := st.Pool(testBot, nil)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func reportP99(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}
