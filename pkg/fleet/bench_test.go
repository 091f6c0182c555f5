package fleet_test

// Capacity benchmarks against the in-process fake Telegram with Telegram's
// speed limits turned on. The command and the figures are in BENCHMARKS.md:
//
//	go test ./pkg/fleet -run '^$' -bench . -benchtime 3x -timeout 30m

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

const (
	benchCap     = 4 << 20 // bytes/s per MTProto connection
	benchLatency = 50 * time.Millisecond
)

// benchWindow is the stream window (0: the stream core's default);
// BENCH_WINDOW changes it.
var benchWindow = func() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_WINDOW")); err == nil && n > 0 {
		return n
	}
	return 0
}()

// benchRate and benchRateBurst are each bot's TG_RATE (10 unless
// BENCH_RATE says otherwise; negative: no pacing) and TG_RATE_BURST (the
// default unless BENCH_RATE_BURST is set), to measure what pacing costs.
var benchRate, benchRateBurst = func() (float64, int) {
	r, burst := 10.0, 0
	if v, err := strconv.ParseFloat(os.Getenv("BENCH_RATE"), 64); err == nil && v != 0 {
		r = v
	}
	if n, err := strconv.Atoi(os.Getenv("BENCH_RATE_BURST")); err == nil && n > 0 {
		burst = n
	}
	return r, burst
}()

var benchBots = []tgfake.Bot{
	{Token: "700001:worker-one"}, {Token: "700002:worker-two"}, {Token: "700003:worker-three"},
}

func newBenchEnv(b *testing.B, bots int, conns int, limits tgfake.Limits) *env {
	e := newEnv(b, benchBots[:bots-1], func(o *tgclient.Options) {
		o.ConnsPerDC = conns
		o.FloodWaitBudget = 5 * time.Second // the service's default
		o.Rate = benchRate                  // 10 as peers keep each bot (the default learns it)
		o.RateBurst = benchRateBurst
	})
	e.fake.SetLimits(limits)
	e.fake.SetLatency(benchLatency)
	e.svc = stream.New(e.fleet, stream.Options{ChannelID: tgfake.DefaultChannelID, Window: benchWindow})
	return e
}

// readAll reads first..last of f, returning the bytes read.
func readAll(ctx context.Context, svc *stream.Service, f *stream.File, first, last int64) (int64, error) {
	r, err := svc.Open(ctx, f, first, last)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return io.Copy(io.Discard, r)
}

// warmFleet logs every bot in and lets each learn the file.
func warmFleet(b *testing.B, e *env, f *stream.File) {
	b.Helper()
	waitConnected(b, e)
	for range 3 {
		if _, err := readAll(context.Background(), e.svc, f, 0, min(f.Size, 16<<20)-1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneStream: one stream of a 64 MiB file with every connection
// capped at 4 MiB/s and 50 ms latency, over 1, 2 and 4 bots of 2
// connections each, and 1 bot of 8 connections (where the bot's 10
// requests/s bind). "of-goal-base" is the throughput over connections ×
// cap; "max-inflight-per-conn" the most getFile the fake saw in flight on
// one connection; "first-", "idle-" and "tail-ms/conn" where the
// connections' time went (tgfake.ConnStats), -v lists them per connection.
func BenchmarkOneStream(b *testing.B) {
	for _, c := range []struct{ bots, conns int }{{1, 2}, {2, 2}, {4, 2}, {1, 8}} {
		b.Run(fmt.Sprintf("bots=%d/conns=%d", c.bots, c.conns), func(b *testing.B) {
			e := newBenchEnv(b, c.bots, c.conns, tgfake.Limits{ConnBandwidth: benchCap})
			mibs, start, end := timedReads(b, e, c.bots, 0)
			base := float64(c.bots*c.conns) * benchCap / (1 << 20)
			b.ReportMetric(mibs, "MiB/s")
			b.ReportMetric(mibs/base, "of-goal-base")
			b.ReportMetric(float64(e.fake.MaxInFlightPerConn()), "max-inflight-per-conn")
			b.ReportMetric(float64(len(e.fake.ConnStats())), "conns-used")
			// Where a connection's time went, on average over them (ms):
			// before its first answer, idle between answers, done before
			// the end (b.N = 1: one read).
			var first, idle, tail float64
			stats := e.fake.ConnStats()
			for _, c := range stats {
				first += c.First.Sub(start).Seconds() * 1000
				idle += c.Idle.Seconds() * 1000
				tail += end.Sub(c.Last).Seconds() * 1000
			}
			if n := float64(len(stats)); n > 0 && b.N == 1 {
				b.ReportMetric(first/n, "first-ms/conn")
				b.ReportMetric(idle/n, "idle-ms/conn")
				b.ReportMetric(tail/n, "tail-ms/conn")
			}
			if testing.Verbose() {
				for _, c := range e.fake.ConnStats() {
					b.Logf("DC %d bot %d: %d parts, first sent at %v, idle %v, last done %v before the end, max in flight %d",
						c.DC, c.BotID, c.Parts, c.First.Sub(start).Round(time.Millisecond), c.Idle.Round(time.Millisecond),
						end.Sub(c.Last).Round(time.Millisecond), c.MaxInFlight)
				}
			}
		})
	}
}

// timedReads reads a file of 64 MiB per bot once the fleet is warm (and
// settle has passed), b.N times, and returns the MiB/s. 64 MiB per bot:
// each bot's share takes the same time, so a response's first round trips
// weigh the same for every N.
func timedReads(b *testing.B, e *env, bots int, settle time.Duration) (mibs float64, start, end time.Time) {
	b.Helper()
	size := int64(bots) * 64 << 20
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(1, size)})
	f, err := e.svc.Resolve(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	warmFleet(b, e, f)
	time.Sleep(settle)
	e.fake.ResetCalls()
	b.SetBytes(size)
	b.ResetTimer()
	start = time.Now()
	for range b.N {
		if n, err := readAll(context.Background(), e.svc, f, 0, size-1); err != nil || n != size {
			b.Fatalf("read %d: %v", n, err)
		}
	}
	end = time.Now()
	b.StopTimer()
	return float64(b.N) * float64(size) / end.Sub(start).Seconds() / (1 << 20), start, end
}

// BenchmarkBotsAtAllowance: one stream of 64 MiB over 1, 2 and 4 bots of
// 8 connections (4 MiB/s each, 50 ms latency), every bot configured at
// TG_RATE=10, TG_RATE_BURST=5 and Telegram allowing exactly that (10
// getFile/s, burst 5): the bots' rate binds. It reports the flood waits
// drawn (want 0) and "of-one-bot", the throughput over the 1-bot run's of
// the same invocation (want ≥ 0.9 × bots).
func BenchmarkBotsAtAllowance(b *testing.B) {
	var one float64
	for _, bots := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("bots=%d", bots), func(b *testing.B) {
			e := newBenchEnv(b, bots, 8, tgfake.Limits{ConnBandwidth: benchCap, BotRate: 10, BotBurst: 5})
			mibs, _, _ := timedReads(b, e, bots, time.Second) // every bot's bucket full again
			floods := 0
			for _, token := range e.fake.BotTokens() {
				floods += e.fake.BotStats(token).FloodWaits
			}
			if bots == 1 {
				one = mibs
			}
			b.ReportMetric(mibs, "MiB/s")
			b.ReportMetric(float64(floods), "flood-waits")
			if one > 0 {
				b.ReportMetric(mibs/one, "of-one-bot")
			}
		})
	}
}

// BenchmarkManyStreams: 100 streams at once, 4 MiB each, over 4 bots of 8
// connections, every connection capped at 4 MiB/s, 50 ms latency, and the
// fake answering FLOOD_WAIT above 10 requests/s per bot (burst 5); the
// service runs its default rate (10/s, burst 5). busywait=2s is the
// stream core's default: a stream that finds the prefetch budget spent
// for 2 s fails busy (503 + Retry-After); busywait=60s lets every stream
// run, to measure fairness.
func BenchmarkManyStreams(b *testing.B) {
	for _, busyWait := range []time.Duration{2 * time.Second, time.Minute} {
		b.Run("busywait="+busyWait.String(), func(b *testing.B) {
			manyStreams(b, busyWait)
		})
	}
}

func manyStreams(b *testing.B, busyWait time.Duration) {
	e := newBenchEnv(b, 4, 8, tgfake.Limits{ConnBandwidth: benchCap, BotRate: 10, BotBurst: 5})
	e.svc = stream.New(e.fleet, stream.Options{ChannelID: tgfake.DefaultChannelID, Window: benchWindow, BusyWait: busyWait})
	const streams, size = 100, 4 << 20
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(2, 64<<20)})
	f, err := e.svc.Resolve(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	warmFleet(b, e, f)
	time.Sleep(time.Second) // every bot's bucket full again
	e.fake.ResetCalls()
	runtime.GC()
	b.ResetTimer()
	var clientFloods, busy, failures atomic.Int64
	var rates []float64
	var total time.Duration
	for range b.N {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := time.Now()
		for i := range streams {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := int64(i%16) * size
				t0 := time.Now()
				n, err := readAll(context.Background(), e.svc, f, first, first+size-1)
				var fw *stream.FloodWaitError
				switch {
				case errors.As(err, &fw):
					clientFloods.Add(1)
				case errors.Is(err, stream.ErrBusy):
					busy.Add(1)
				case err != nil || n != size:
					failures.Add(1)
				default:
					mu.Lock()
					rates = append(rates, float64(n)/time.Since(t0).Seconds()/(1<<20))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		total += time.Since(start)
	}
	b.StopTimer()
	sort.Float64s(rates)
	served := len(rates)
	var serverFloods int
	for _, token := range e.fake.BotTokens() {
		serverFloods += e.fake.BotStats(token).FloodWaits
	}
	b.ReportMetric(float64(served*size)/total.Seconds()/(1<<20), "total-MiB/s")
	if served > 0 {
		median := rates[served/2]
		b.ReportMetric(rates[0], "slowest-MiB/s")
		b.ReportMetric(median, "median-MiB/s")
		b.ReportMetric(rates[0]/median, "slowest/median")
	}
	b.ReportMetric(float64(served), "streams-complete")
	b.ReportMetric(float64(busy.Load()), "busy-503")
	b.ReportMetric(float64(clientFloods.Load()), "client-floods")
	b.ReportMetric(float64(failures.Load()), "failures")
	b.ReportMetric(float64(serverFloods), "floods-waited-out")
	b.ReportMetric(float64(testkit.PeakRSS())/(1<<20), "peak-RSS-MiB")
}

// BenchmarkRateAdaptation: one bot configured at 20 requests/s (burst 5)
// against a fake that floods above 10/s (burst 5), 4 streams reading all
// the time for 75 s. It reports when the last flood wait came, how many
// came in all and in the last 60 s, and the rate of the last 60 s.
func BenchmarkRateAdaptation(b *testing.B) {
	const run, tail = 75 * time.Second, 60 * time.Second
	e := newEnv(b, nil, func(o *tgclient.Options) {
		o.ConnsPerDC = 8
		o.FloodWaitBudget = 5 * time.Second
		o.Rate, o.RateBurst = 20, 5
	})
	e.fake.SetLatency(benchLatency)
	const size = 64 << 20
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(3, size)})
	f, err := e.svc.Resolve(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	token := e.fake.BotTokens()[0]
	for range b.N {
		e.fake.SetLimits(tgfake.Limits{BotRate: 10, BotBurst: 5})
		e.fake.ResetCalls()
		ctx, cancel := context.WithTimeout(context.Background(), run)
		var wg sync.WaitGroup
		var clientErrs atomic.Int64
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if _, err := readAll(ctx, e.svc, f, 0, size-1); err != nil && ctx.Err() == nil {
						clientErrs.Add(1)
					}
				}
			}()
		}
		start := time.Now()
		var floodTimes []time.Duration
		var tailParts0 int
		seen := 0
		tick := time.NewTicker(50 * time.Millisecond)
		for ctx.Err() == nil {
			<-tick.C
			st := e.fake.BotStats(token)
			for ; seen < st.FloodWaits; seen++ {
				floodTimes = append(floodTimes, time.Since(start))
			}
			if tailParts0 == 0 && time.Since(start) >= run-tail {
				tailParts0 = max(1, st.Parts)
			}
		}
		tick.Stop()
		cancel()
		wg.Wait()
		st := e.fake.BotStats(token)
		var inTail int
		for _, t := range floodTimes {
			if t >= run-tail {
				inTail++
			}
		}
		last := time.Duration(0)
		if len(floodTimes) > 0 {
			last = floodTimes[len(floodTimes)-1]
		}
		b.ReportMetric(last.Seconds(), "last-flood-s")
		b.ReportMetric(float64(len(floodTimes)), "floods")
		b.ReportMetric(float64(inTail), "floods-last-60s")
		b.ReportMetric(float64(st.Parts-tailParts0)/tail.Seconds(), "req/s-last-60s")
		b.ReportMetric(float64(clientErrs.Load()), "client-errors")
		b.ReportMetric(e.fleet.Status()[0].Rate, "rate-at-end")
	}
}
