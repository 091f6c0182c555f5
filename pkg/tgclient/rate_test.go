package tgclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// fakeClock is a settable now for the limiter's arithmetic.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) add(d time.Duration)     { c.t = c.t.Add(d) }
func newClock() *fakeClock                   { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func offsets(c *fakeClock, at time.Time) int { return int(at.Sub(c.t) / time.Millisecond) }

// TestRateSchedule: at TG_RATE=10, TG_RATE_BURST=5 the bucket's burst is 1
// (5 less the 4 calls of jitterMargin), then one call per 100 ms: seen
// from Telegram, 1 + 10 × (t + 0.4 s) never passes 5 + 10 × t. At 2/s the
// burst is 4 (5 less 0.8 rounded up).
func TestRateSchedule(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want []int
	}{
		{10, []int{0, 100, 200, 300}},
		{2, []int{0, 0, 0, 0, 500, 1000}},
	} {
		c := newClock()
		l := newRateLimiter(tc.rate, 5, 5*time.Second, c.now)
		for i, w := range tc.want {
			if at, _ := l.reserve(); offsets(c, at) != w {
				t.Errorf("rate %v: call %d at +%d ms, want +%d", tc.rate, i, offsets(c, at), w)
			}
		}
		c.add(10 * time.Second)
		if at, _ := l.reserve(); offsets(c, at) != 0 {
			t.Errorf("rate %v: after a calm 10 s a call waits %d ms", tc.rate, offsets(c, at))
		}
	}
}

// TestRateFloodLowersJustUnder: a FLOOD_WAIT at 20 calls/s lowers the rate
// to 0.9 of that (not half), holds the calls for the wait, resumes without
// a burst, and calm brings the rate back.
func TestRateFloodLowersJustUnder(t *testing.T) {
	c := newClock()
	l := newRateLimiter(20, 5, 5*time.Second, c.now)
	for range 60 { // 3 s at the rate
		at, _ := l.reserve()
		c.t = at
	}
	c.add(50 * time.Millisecond)
	floodAt := c.t
	l.flood(time.Second)
	s := l.status()
	if s.Rate < 17 || s.Rate > 18 || s.Ceiling != 20 || s.FloodWaits != 1 {
		t.Fatalf("after a flood at 20/s: %+v, want a rate of about 18 (0.9 × 20), ceiling 20", s)
	}
	l.flood(time.Second) // a parallel call of the same episode
	if r := l.current(); r != s.Rate {
		t.Errorf("a second flood of the same episode moved the rate to %.2f", r)
	}
	first, _ := l.reserve()
	second, _ := l.reserve()
	if o := offsets(c, first); o < 1000 || o > 1000+int(1000/s.Rate) {
		t.Errorf("the first call after FLOOD_WAIT_1 at +%d ms, want +1000 (rounded up to a call)", o)
	}
	if gap := second.Sub(first); gap < time.Duration(float64(time.Second)/s.Rate)-time.Millisecond {
		t.Errorf("the second call %s after the first: a burst after a flood", gap)
	}
	c.t = floodAt.Add(time.Second + calmFor - time.Millisecond) // calm counts from the hold's end
	if r := l.current(); r != s.Rate {
		t.Errorf("rate %.2f before calmFor passed, want %.2f", r, s.Rate)
	}
	c.add(time.Millisecond)
	if r := l.current(); r != min(20, s.Rate+2) {
		t.Errorf("rate %.2f after calmFor, want a tenth of 20 more", r)
	}
	c.add(calmStep)
	if r := l.current(); r != 20 {
		t.Errorf("rate %.2f after calmFor and a step, want back at 20", r)
	}
}

func TestRateLearnsFromFirstFlood(t *testing.T) {
	c := newClock()
	l := newRateLimiter(0, 5, 5*time.Second, c.now)
	for range 60 { // unpaced, 20 calls/s
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.add(50 * time.Millisecond)
	}
	if s := l.status(); s.Rate != 0 {
		t.Fatalf("paced before any flood: %+v", s)
	}
	l.flood(time.Second)
	if s := l.status(); s.Rate < 17 || s.Rate > 18.5 || s.Ceiling != s.Rate {
		t.Errorf("learned %+v, want about 0.9 × the 20/s observed", s)
	}
	n := newRateLimiter(-1, 5, 5*time.Second, c.now)
	n.flood(time.Second)
	if s := n.status(); s.Rate != 0 || s.FloodWaits != 1 {
		t.Errorf("pacing off: %+v, want counted, not paced", s)
	}
}

func TestRateLongFloodDoesNotHold(t *testing.T) {
	c := newClock()
	l := newRateLimiter(10, 5, 5*time.Second, c.now)
	l.flood(time.Minute) // beyond the budget: the caller reports it
	if at, _ := l.reserve(); offsets(c, at) != 0 {
		t.Errorf("a wait beyond the budget held the next call %d ms", offsets(c, at))
	}
	if s := l.status(); s.Rate != 9 || s.FloodWaits != 1 {
		t.Errorf("status %+v, want rate 9 (0.9 × 10), 1 flood wait", s)
	}
}

func TestRateWaitHonoursContext(t *testing.T) {
	l := newRateLimiter(0.01, 1, time.Second, time.Now) // one call per 100 s
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := l.wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("wait returned %v after %s, want the context's deadline", err, time.Since(start))
	}
}

func TestRateInvokerPacesOnlyGetFile(t *testing.T) {
	l := newRateLimiter(0.01, 1, time.Second, time.Now)
	inv := &rateInvoker{next: &scriptedInvoker{}, limit: l}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 5 { // other calls are not paced
		if err := inv.Invoke(ctx, &tg.ChannelsGetMessagesRequest{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := inv.Invoke(ctx, &tg.UploadGetFileRequest{}, nil); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if err := inv.Invoke(short, &tg.UploadGetFileRequest{}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second getFile within the same 100 s: %v, want a wait cut by the deadline", err)
	}
}

// TestRateConvergesAgainstFake: a client configured above what the fake
// allows meets flood waits, backs off and then stays under the limit; every
// call succeeds (the waits are within the budget).
// TestRateConvergesAgainstFake: paced at twice the fake's limit, and with
// the default (no limit known until the first flood), the service learns
// the limit and then stays under it.
func TestRateConvergesAgainstFake(t *testing.T) {
	const fakeRate = 20
	// Each case has its own fake and bot, and spends its time waiting on
	// the fake's rate: the cases run side by side.
	for _, rate := range []float64{2 * fakeRate, 0} {
		t.Run(fmt.Sprintf("TG_RATE=%v", rate), func(t *testing.T) {
			t.Parallel()
			testRateConverges(t, fakeRate, rate)
		})
	}
}

func testRateConverges(t *testing.T, fakeRate, rate float64) {
	const burst = 5
	srv := tgfake.NewTest(t, tgfake.Options{Limits: tgfake.Limits{BotRate: fakeRate, BotBurst: burst}})
	id := srv.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(1, 64<<10)})
	o := srv.ClientOptions()
	c := New(Options{
		APIID: o.APIID, APIHash: o.APIHash, BotToken: o.BotToken, DC: o.DC,
		DCList: o.DCList, PublicKeys: o.PublicKeys, Resolver: o.Resolver,
		ConnsPerDC: 4, Rate: rate, RateBurst: burst, FloodWaitBudget: 5 * time.Second,
		ConnectWait: time.Minute, // a cold login under -race on a busy machine
	})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	loc, err := documentLocation(ctx, c, id)
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.DC(ctx, o.DC)
	if err != nil {
		t.Fatal(err)
	}
	calls := func(n int) error {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		work := make(chan int, n)
		for i := range n {
			work <- i
		}
		close(work)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					if _, err := api.UploadGetFile(ctx, &tg.UploadGetFileRequest{Precise: true, Location: loc, Limit: 4096}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	// Learning: batches of 40 calls, 8 at a time, until one meets no flood
	// wait; then two more batches meet none either.
	floods := func() int { return srv.BotStats(o.BotToken).FloodWaits }
	batches, before := 0, 0
	for {
		batches++
		if err := calls(40); err != nil {
			t.Fatalf("batch %d: %v", batches, err)
		}
		if floods() == before {
			break
		}
		before = floods()
		if batches == 10 {
			t.Fatalf("still flooded after %d batches of 40: status %+v", batches, c.Status())
		}
	}
	learned := floods()
	if learned == 0 {
		t.Fatalf("no flood wait at %v/s against a %v/s limit: the fake did not limit", rate, fakeRate)
	}
	st := c.Status()
	// The rate after a flood is 0.9 of the rate observed when it came,
	// and that observation includes the fake's burst: near the fake's rate,
	// not necessarily under it. What must hold is that the flood brought it
	// down to about the fake's rate, and (below) that it then meets no flood.
	if st.FloodWaits != int64(learned) || st.Rate <= 0 || st.Rate > 1.25*fakeRate || st.Parts != int64(40*batches) {
		t.Errorf("status %+v: want %d flood waits seen, a rate near %v/s, %d parts", st, learned, fakeRate, 40*batches)
	}
	for i := range 2 {
		if err := calls(40); err != nil {
			t.Fatalf("after converging: %v", err)
		}
		if after := floods(); after != learned {
			t.Fatalf("batch %d after converging: %d more flood waits, want 0 (status %+v)", i+1, after-learned, c.Status())
		}
	}
	t.Logf("converged after %d batches of 40 calls and %d flood waits; rate %.1f/s", batches, learned, c.Status().Rate)
}

// documentLocation resolves message id the way pkg/stream does.
func documentLocation(ctx context.Context, c *Client, id int) (*tg.InputDocumentFileLocation, error) {
	api, err := c.API(ctx)
	if err != nil {
		return nil, err
	}
	chats, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{&tg.InputChannel{ChannelID: tgfake.DefaultChannelID}})
	if err != nil {
		return nil, err
	}
	ch := chats.GetChats()[0].(*tg.Channel)
	res, err := api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{Channel: ch.AsInput(), ID: []tg.InputMessageClass{&tg.InputMessageID{ID: id}}})
	if err != nil {
		return nil, err
	}
	msg := res.(*tg.MessagesChannelMessages).Messages[0].(*tg.Message)
	doc, ok := msg.Media.(*tg.MessageMediaDocument).Document.(*tg.Document)
	if !ok {
		return nil, fmt.Errorf("message %d: no document", id)
	}
	return &tg.InputDocumentFileLocation{ID: doc.ID, AccessHash: doc.AccessHash, FileReference: doc.FileReference}, nil
}
