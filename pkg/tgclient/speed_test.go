package tgclient

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// fakeClient is a client of srv with the given tuning.
func fakeClient(t *testing.T, srv *tgfake.Server, tune func(*Options)) *Client {
	o := srv.ClientOptions()
	opts := Options{
		APIID: o.APIID, APIHash: o.APIHash, BotToken: o.BotToken, DC: o.DC,
		DCList: o.DCList, PublicKeys: o.PublicKeys, Resolver: o.Resolver,
		FloodWaitBudget: 5 * time.Second, ConnectWait: time.Minute,
	}
	tune(&opts)
	c := New(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// fileAPI is message id's file location and c's download API of srv's
// home DC.
func fileAPI(ctx context.Context, t *testing.T, c *Client, srv *tgfake.Server, id int) (*tg.InputDocumentFileLocation, *tg.Client) {
	t.Helper()
	loc, err := documentLocation(ctx, c, id)
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.DC(ctx, srv.ClientOptions().DC)
	if err != nil {
		t.Fatal(err)
	}
	return loc, api
}

// getFiles makes n upload.getFile calls of limit bytes at loc, workers at
// a time.
func getFiles(ctx context.Context, api *tg.Client, loc tg.InputFileLocationClass, n, workers, limit int) error {
	work := make(chan int, n)
	for i := range n {
		work <- i
	}
	close(work)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if _, err := api.UploadGetFile(ctx, &tg.UploadGetFileRequest{Precise: true, Location: loc, Limit: limit}); err != nil {
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

// TestConnectionsCarryTwoCalls: 16 callers over 4 download connections put
// exactly TG_INFLIGHT_PER_CONN (2) calls in flight on each, as the fake
// counts them per connection (auth key and session).
func TestConnectionsCarryTwoCalls(t *testing.T) {
	srv := tgfake.NewTest(t, tgfake.Options{})
	id := srv.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(1, 64<<10)})
	c := fakeClient(t, srv, func(o *Options) { o.ConnsPerDC = 4 })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	loc, api := fileAPI(ctx, t, c, srv, id)
	// Every lane joins: calls until four connections answered.
	for deadline := time.Now().Add(60 * time.Second); len(srv.ConnStats()) < 4; {
		if err := getFiles(ctx, api, loc, 8, 8, 4096); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d download connections after 60 s, want 4", len(srv.ConnStats()))
		}
	}
	srv.SetLatency(200 * time.Millisecond) // long enough that every call is in flight together
	srv.ResetCalls()
	if err := getFiles(ctx, api, loc, 64, 16, 4096); err != nil {
		t.Fatal(err)
	}
	conns := srv.ConnStats()
	for _, cs := range conns {
		if cs.MaxInFlight > DefaultInFlightPerConn {
			t.Errorf("connection %+v: %d calls in flight at once, want at most %d", cs, cs.MaxInFlight, DefaultInFlightPerConn)
		}
	}
	if got := srv.MaxInFlightPerConn(); got != DefaultInFlightPerConn || len(conns) != 4 {
		t.Errorf("%d connections, at most %d calls in flight on one, want 4 and %d", len(conns), got, DefaultInFlightPerConn)
	}
	if got := srv.MaxGetFileInFlight(); got != 4*DefaultInFlightPerConn {
		t.Errorf("%d calls in flight in all, want %d (4 connections × %d)", got, 4*DefaultInFlightPerConn, DefaultInFlightPerConn)
	}
}

// TestRateAtAllowanceDrawsNoFlood: TG_RATE=10, TG_RATE_BURST=5 against a
// Telegram allowing exactly 10 calls/s, burst 5, with 8 callers pressing:
// no FLOOD_WAIT at all.
func TestRateAtAllowanceDrawsNoFlood(t *testing.T) {
	srv := tgfake.NewTest(t, tgfake.Options{Limits: tgfake.Limits{BotRate: 10, BotBurst: 5}})
	id := srv.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(1, 64<<10)})
	c := fakeClient(t, srv, func(o *Options) { o.ConnsPerDC = 4; o.Rate = 10; o.RateBurst = 5 })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	loc, api := fileAPI(ctx, t, c, srv, id)
	const calls = 50
	if err := getFiles(ctx, api, loc, calls, 8, 4096); err != nil {
		t.Fatal(err)
	}
	st := srv.BotStats(srv.ClientOptions().BotToken)
	if st.FloodWaits != 0 || st.Parts != calls {
		t.Errorf("at the allowance: %d flood waits, %d parts; want 0 and %d", st.FloodWaits, st.Parts, calls)
	}
}
