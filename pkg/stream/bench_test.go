package stream

// Benchmarks against the in-process fake Telegram. The command and the
// figures are in BENCHMARKS.md:
//
//	go test ./pkg/stream -run '^$' -bench . -benchtime 5x
//	go test ./pkg/stream -run '^$' -bench RangeVsRaw -benchtime 10x

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/internal/tgfake"
)

var benchWindow = envInt("BENCH_WINDOW", 8)

var benchLatencies = []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond}

// BenchmarkRangeRead reads a 64 MiB range through the windowed reader.
// "of-ceiling" compares it with the bandwidth-delay ceiling
// (window × 1 MiB / latency) where there is latency.
func BenchmarkRangeRead(b *testing.B) {
	const size = 64 * mib
	e, f := benchFile(b, Options{Window: benchWindow, BufferBudget: 512 << 20}, size)
	eachLatency(b, e, f, func(b *testing.B, lat time.Duration, _ *tg.Client) {
		b.SetBytes(size)
		b.ResetTimer()
		for range b.N {
			readWhole(b, e.svc, f)
		}
		reportCeiling(b, lat, size)
	})
}

// benchFile is an MTProto environment with a document of size bytes,
// resolved.
func benchFile(b *testing.B, opts Options, size int64) (*env, *File) {
	e := newEnv(b, envOptions{stream: opts})
	f, _ := e.add(b, "c", &tgfake.Media{Kind: "document", Name: "a", Content: tgfake.Pattern(1, size)})
	return e, f
}

// eachLatency runs bench once for each of benchLatencies, with the fake
// answering getFile after it, the pool of f's DC warm, and that pool's API.
func eachLatency(b *testing.B, e *env, f *File, bench func(b *testing.B, lat time.Duration, api *tg.Client)) {
	for _, lat := range benchLatencies {
		b.Run("latency="+lat.String(), func(b *testing.B) {
			e.fake.SetLatency(lat)
			defer e.fake.SetLatency(0)
			api, err := e.client.DC(context.Background(), f.DC)
			if err != nil {
				b.Fatal(err)
			}
			warm(b, e, f)
			bench(b, lat, api)
		})
	}
}

// readWhole reads all of f through svc's reader, or fails b.
func readWhole(b *testing.B, svc *Service, f *File) {
	r, err := svc.Open(context.Background(), f, 0, f.Size-1)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if n, err := io.Copy(io.Discard, r); err != nil || n != f.Size {
		b.Fatalf("read %d of %d: %v", n, f.Size, err)
	}
}

// BenchmarkRawGetFile is the baseline: benchWindow goroutines issuing
// 1 MiB upload.getFile calls back to back on the same pool, no ordering,
// no copying.
func BenchmarkRawGetFile(b *testing.B) {
	const size = 64 * mib
	e, f := benchFile(b, Options{}, size)
	eachLatency(b, e, f, func(b *testing.B, lat time.Duration, api *tg.Client) {
		b.SetBytes(size)
		b.ResetTimer()
		for range b.N {
			if err := rawRead(api, f, size); err != nil {
				b.Fatal(err)
			}
		}
		reportCeiling(b, lat, size)
	})
}

// BenchmarkRangeVsRaw alternates one 64 MiB range through the reader with
// the same bytes through rawRead, so that both see the same machine load,
// and reports reader time / raw time inverted ("of-raw": 1 is as fast as
// the raw loop). On a busy machine this ratio is what to look at.
func BenchmarkRangeVsRaw(b *testing.B) {
	const size = 64 * mib
	e, f := benchFile(b, Options{Window: benchWindow, BufferBudget: 512 << 20}, size)
	eachLatency(b, e, f, func(b *testing.B, _ time.Duration, api *tg.Client) {
		b.SetBytes(2 * size)
		b.ResetTimer()
		var reader, raw time.Duration
		for range b.N {
			start := time.Now()
			readWhole(b, e.svc, f)
			reader += time.Since(start)
			start = time.Now()
			if err := rawRead(api, f, size); err != nil {
				b.Fatal(err)
			}
			raw += time.Since(start)
		}
		b.ReportMetric(raw.Seconds()/reader.Seconds(), "of-raw")
		b.ReportMetric(float64(size)*float64(b.N)/reader.Seconds()/1e6, "reader-MB/s")
		b.ReportMetric(float64(size)*float64(b.N)/raw.Seconds()/1e6, "raw-MB/s")
	})
}

// rawRead reads size bytes of f with benchWindow goroutines issuing 1 MiB
// upload.getFile calls back to back, taking parts in any order.
func rawRead(api *tg.Client, f *File, size int64) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchWindow)
	for range benchWindow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i*mib >= size {
					return
				}
				res, err := api.UploadGetFile(context.Background(), &tg.UploadGetFileRequest{
					Precise: true, Location: f.Location(), Offset: i * mib, Limit: mib,
				})
				if err != nil {
					errs <- err
					return
				}
				if n := len(res.(*tg.UploadFile).Bytes); n != mib {
					errs <- fmt.Errorf("part %d: %d bytes", i, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// warm opens the pool's connections so that key exchanges are not timed.
func warm(b *testing.B, e *env, f *File) {
	b.Helper()
	r, err := e.svc.Open(context.Background(), f, 0, int64(benchWindow)*mib-1)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if _, err := io.Copy(io.Discard, r); err != nil {
		b.Fatal(err)
	}
}

func reportCeiling(b *testing.B, lat time.Duration, size int64) {
	perOp := b.Elapsed().Seconds() / float64(b.N)
	mbps := float64(size) / perOp / 1e6
	b.ReportMetric(mbps, "MB/s")
	if lat > 0 {
		ceiling := float64(benchWindow*mib) / lat.Seconds() / 1e6
		b.ReportMetric(mbps/ceiling, "of-ceiling")
	}
}

// BenchmarkConcurrentStreamsMemory runs 100 streams of 16 MiB at once and
// reports the peak Go heap and the process's peak RSS.
func BenchmarkConcurrentStreamsMemory(b *testing.B) {
	const size = 16 * mib
	e, f := benchFile(b, Options{Window: benchWindow}, size)
	e.fake.SetLatency(5 * time.Millisecond)
	warm(b, e, f)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	b.SetBytes(100 * size)
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.svc.Open(context.Background(), f, 0, size-1)
				if err != nil {
					b.Error(err)
					return
				}
				defer r.Close()
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	close(stop)
	<-sampled
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/mib, "peak-heap-growth-MiB")
	b.ReportMetric(float64(testkit.PeakRSS())/mib, "peak-RSS-MiB")
}

// BenchmarkColdFirstByte measures a new client's first byte: connect, key
// exchange (skipped with a session), login (skipped with a session),
// resolve, first part.
func BenchmarkColdFirstByte(b *testing.B) {
	fake := tgfake.NewTest(b, tgfake.Options{})
	id := fake.AddMessage("c", &tgfake.Media{Kind: "document", Name: "a", Content: tgfake.Pattern(1, 4*mib)})
	seed := newClient(b, fake, nil)
	session, err := seed.ExportSession(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, withSession := range []bool{false, true} {
		b.Run(fmt.Sprintf("session=%v", withSession), func(b *testing.B) {
			for range b.N {
				var s []byte
				if withSession {
					s = session
				}
				c := newClient(b, fake, s)
				svc := New(c, Options{ChannelID: tgfake.DefaultChannelID})
				f, err := svc.Resolve(context.Background(), id)
				if err != nil {
					b.Fatal(err)
				}
				r, err := svc.Open(context.Background(), f, 0, f.Size-1)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.Read(make([]byte, 1)); err != nil {
					b.Fatal(err)
				}
				r.Close()
				b.StopTimer()
				c.Close()
				b.StartTimer()
			}
		})
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkWarmFirstByte is a warm client's time to the first byte of a
// range: the message resolved and cached, the pool open; what remains is
// one getFile round trip through the reader.
func BenchmarkWarmFirstByte(b *testing.B) {
	e, f := benchFile(b, Options{}, 64*mib)
	warm(b, e, f)
	b.ResetTimer()
	for i := range b.N {
		first := int64(i%64) * mib
		r, err := e.svc.Open(context.Background(), f, first, f.Size-1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Read(make([]byte, 1)); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// responseSize and responseLatency are the case of issue 20's first rows:
// one 32 MiB range with getFile answered after 50 ms.
const (
	responseSize    = 32 * mib
	responseLatency = 50 * time.Millisecond
)

// BenchmarkResponseVsRaw alternates, in one run, one 32 MiB range through
// the reader written to a loopback TCP connection (the write path of a
// response: the other end drains it) with the same bytes through a raw
// gotd client (its own client.Pool(8), 8 goroutines of 1 MiB precise
// getFile, any order). "of-raw" is raw time / reader time; "of-sequential"
// is the reader against one part per latency (20 MiB/s at 50 ms).
func BenchmarkResponseVsRaw(b *testing.B) {
	e, f := benchFile(b, Options{Window: envInt("BENCH_WINDOW", 0), BufferBudget: 512 << 20}, responseSize)
	e.fake.SetLatency(responseLatency)
	raw := rawGotdPool(b, e, 8)
	warm(b, e, f)
	if err := rawRead(raw, f, responseSize); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	responseVsRaw(b, e.svc, f, raw)
}

// responseVsRaw times b.N rounds of one responseSize range through svc's
// reader to a loopback socket, then the same through raw, and reports
// their ratio, both speeds and the reader against the sequential ceiling.
func responseVsRaw(b *testing.B, svc *Service, f *File, raw *tg.Client) {
	sink := newSink(b)
	b.SetBytes(2 * responseSize)
	var reader, rawTime time.Duration
	for range b.N {
		start := time.Now()
		if err := sink.write(svc, f); err != nil {
			b.Fatal(err)
		}
		reader += time.Since(start)
		start = time.Now()
		if err := rawRead(raw, f, responseSize); err != nil {
			b.Fatal(err)
		}
		rawTime += time.Since(start)
	}
	b.StopTimer()
	readerMiBs := float64(responseSize) * float64(b.N) / reader.Seconds() / mib
	b.ReportMetric(rawTime.Seconds()/reader.Seconds(), "of-raw")
	b.ReportMetric(readerMiBs, "reader-MiB/s")
	b.ReportMetric(float64(responseSize)*float64(b.N)/rawTime.Seconds()/mib, "raw-MiB/s")
	b.ReportMetric(readerMiBs/(1/responseLatency.Seconds()), "of-sequential")
}

// rawGotdPool is a plain gotd client on e's session (no login) and its
// client.Pool(conns) for the home DC: the raw client the reader is
// compared with, sharing nothing with e.client but the key.
func rawGotdPool(b *testing.B, e *env, conns int64) *tg.Client {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	data, err := e.client.ExportSession(ctx)
	if err != nil {
		b.Fatal(err)
	}
	st := &session.StorageMemory{}
	if err := st.StoreSession(ctx, data); err != nil {
		b.Fatal(err)
	}
	o := e.fake.ClientOptions()
	cl := telegram.NewClient(o.APIID, o.APIHash, telegram.Options{
		DC: o.DC, DCList: o.DCList, PublicKeys: o.PublicKeys, Resolver: o.Resolver,
		SessionStorage: st, NoUpdates: true,
	})
	ready := make(chan telegram.CloseInvoker, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cl.Run(ctx, func(ctx context.Context) error {
			p, err := cl.Pool(conns)
			if err != nil {
				return err
			}
			defer p.Close()
			ready <- p
			<-ctx.Done()
			return nil
		})
		close(ready)
	}()
	b.Cleanup(func() { cancel(); <-done })
	p, ok := <-ready
	if !ok {
		b.Fatal("raw gotd client did not start")
	}
	return tg.NewClient(p)
}

// sink is a loopback TCP connection whose far end drains what is written.
type sink struct {
	conn     net.Conn
	received atomic.Int64
}

func newSink(b *testing.B) *sink {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	s := &sink{}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
		buf := make([]byte, 256<<10)
		for {
			n, err := c.Read(buf)
			s.received.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	if s.conn, err = net.Dial("tcp", ln.Addr().String()); err != nil {
		b.Fatal(err)
	}
	far, ok := <-accepted
	if !ok {
		b.Fatal("no connection accepted")
	}
	b.Cleanup(func() { s.conn.Close(); far.Close() })
	return s
}

// write copies all of f through svc's reader to the connection and waits
// until the far end has it.
func (s *sink) write(svc *Service, f *File) error {
	want := s.received.Load() + f.Size
	r, err := svc.Open(context.Background(), f, 0, f.Size-1)
	if err != nil {
		return err
	}
	defer r.Close()
	if n, err := io.Copy(s.conn, r); err != nil || n != f.Size {
		return fmt.Errorf("wrote %d of %d: %v", n, f.Size, err)
	}
	for s.received.Load() < want {
		runtime.Gosched()
	}
	return nil
}
