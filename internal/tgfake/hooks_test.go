package tgfake

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// withDocument runs f logged in, with the location of a fresh document.
func withDocument(t *testing.T, srv *Server, content Content, f func(ctx context.Context, c *telegram.Client, loc *tg.InputDocumentFileLocation) error) {
	t.Helper()
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: content})
	runLoggedIn(t, srv, func(ctx context.Context, c *telegram.Client) error {
		doc, err := channelDocument(ctx, c.API(), id)
		if err != nil {
			return err
		}
		return f(ctx, c, docLocation(doc))
	})
}

func TestFailNext(t *testing.T) {
	srv := NewTest(t, Options{})
	content := Pattern(1, 8192)
	withDocument(t, srv, content, func(ctx context.Context, c *telegram.Client, loc *tg.InputDocumentFileLocation) error {
		srv.ResetCalls()
		srv.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_3"), 2)
		for i := range 2 {
			_, err := getFile(ctx, c.API(), loc, 0, 4096)
			if err := wantRPCError(err, 420, "FLOOD_WAIT"); err != nil {
				return fmt.Errorf("call %d: %w", i+1, err)
			}
			if d, ok := tgerr.AsFloodWait(err); !ok || d != 3*time.Second {
				return fmt.Errorf("call %d: flood wait %v %v", i+1, d, ok)
			}
		}
		b, err := getFile(ctx, c.API(), loc, 0, 4096)
		if err != nil || !bytes.Equal(b, contentAt(content, 0, 4096)) {
			return fmt.Errorf("third call: %d bytes, %v", len(b), err)
		}
		if got := srv.Calls(tg.UploadGetFileRequestTypeID); got != 3 {
			return fmt.Errorf("Calls(getFile) = %d, want 3", got)
		}

		// Other methods are not affected; FailNext on them works the same.
		srv.FailNext(tg.ChannelsGetChannelsRequestTypeID, tgerr.New(500, "INTERNAL"), 1)
		_, err = inputChannel(ctx, c.API(), DefaultChannelID)
		if err := wantRPCError(err, 500, "INTERNAL"); err != nil {
			return fmt.Errorf("getChannels: %w", err)
		}
		if _, err := inputChannel(ctx, c.API(), DefaultChannelID); err != nil {
			return err
		}
		srv.ResetCalls()
		if got := srv.Calls(tg.UploadGetFileRequestTypeID); got != 0 {
			return fmt.Errorf("after ResetCalls: %d", got)
		}
		return nil
	})
}

func TestDropNext(t *testing.T) {
	srv := NewTest(t, Options{})
	content := Pattern(2, 8192)
	withDocument(t, srv, content, func(ctx context.Context, c *telegram.Client, loc *tg.InputDocumentFileLocation) error {
		srv.ResetCalls()
		srv.DropNext(tg.UploadGetFileRequestTypeID, 1)
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		b, err := getFile(ctx, c.API(), loc, 0, 4096)
		if err != nil {
			return fmt.Errorf("getFile after a dropped connection: %w", err)
		}
		if !bytes.Equal(b, contentAt(content, 0, 4096)) {
			return fmt.Errorf("wrong bytes")
		}
		if got := srv.Calls(tg.UploadGetFileRequestTypeID); got != 2 {
			return fmt.Errorf("Calls(getFile) = %d, want 2 (dropped, then re-sent)", got)
		}
		return nil
	})
}

func TestLatencyIsConcurrent(t *testing.T) {
	srv := NewTest(t, Options{})
	content := Pattern(3, 2*mib)
	withDocument(t, srv, content, func(ctx context.Context, c *telegram.Client, loc *tg.InputDocumentFileLocation) error {
		pool, err := c.Pool(2)
		if err != nil {
			return err
		}
		defer pool.Close()
		api := tg.NewClient(pool)

		// concurrently reads parts 0 and 1 and reports how long both took.
		concurrently := func(api *tg.Client) (time.Duration, error) {
			begin := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() {
					// Small parts: the time measured is the latency, not the copying.
					b, err := getFile(ctx, api, loc, int64(i)*mib, 64<<10)
					if err == nil && !bytes.Equal(b, contentAt(content, int64(i)*mib, 64<<10)) {
						err = fmt.Errorf("part %d: wrong bytes", i)
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					return 0, err
				}
			}
			return time.Since(begin), nil
		}
		// Open both pool connections first.
		if _, err := concurrently(api); err != nil {
			return err
		}

		// Served one after the other, two calls would take twice the
		// latency; the bound leaves room for a busy machine (CI runs
		// packages side by side, some under -race).
		const latency = 500 * time.Millisecond
		srv.SetLatency(latency)
		for name, api := range map[string]*tg.Client{"two pool connections": api, "one connection": c.API()} {
			took, err := concurrently(api)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if took < latency || took >= latency*19/10 {
				return fmt.Errorf("%s: two getFile calls with %v latency took %v, want less than %v", name, latency, took, latency*19/10)
			}
		}

		// Latency is for getFile only.
		begin := time.Now()
		if _, err := inputChannel(ctx, c.API(), DefaultChannelID); err != nil {
			return err
		}
		if took := time.Since(begin); took >= latency*8/10 {
			return fmt.Errorf("getChannels took %v under getFile latency", took)
		}
		srv.SetLatency(0)
		return nil
	})
}

func TestPause(t *testing.T) {
	srv := NewTest(t, Options{})
	withDocument(t, srv, Pattern(4, 4096), func(ctx context.Context, c *telegram.Client, loc *tg.InputDocumentFileLocation) error {
		srv.Pause(400 * time.Millisecond)
		begin := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Go(func() { _, errs[0] = getFile(ctx, c.API(), loc, 0, 4096) })
		wg.Go(func() { _, errs[1] = inputChannel(ctx, c.API(), DefaultChannelID) })
		wg.Wait()
		took := time.Since(begin)
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		if took < 350*time.Millisecond || took > 2*time.Second {
			return fmt.Errorf("calls during a 400ms pause took %v", took)
		}
		begin = time.Now()
		if _, err := getFile(ctx, c.API(), loc, 0, 4096); err != nil {
			return err
		}
		if took := time.Since(begin); took > 350*time.Millisecond {
			return fmt.Errorf("call after the pause took %v", took)
		}
		return nil
	})
}

func TestSetReachable(t *testing.T) {
	srv := NewTest(t, Options{})
	runLoggedIn(t, srv, func(ctx context.Context, c *telegram.Client) error {
		if _, err := inputChannel(ctx, c.API(), DefaultChannelID); err != nil {
			return err
		}
		srv.SetReachable(false)
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if _, err := inputChannel(callCtx, c.API(), DefaultChannelID); err == nil {
			return fmt.Errorf("call succeeded while Telegram is unreachable")
		}

		// A new client cannot even connect.
		newCtx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if err := newClient(srv, srv.HomeDC()).Run(newCtx, func(ctx context.Context) error { return nil }); err == nil {
			return fmt.Errorf("client connected while Telegram is unreachable")
		}

		// Back: the running client recovers by itself, still logged in.
		srv.SetReachable(true)
		begin := time.Now()
		if _, err := inputChannel(ctx, c.API(), DefaultChannelID); err != nil {
			return fmt.Errorf("after SetReachable(true): %w", err)
		}
		t.Logf("client recovered in %v", time.Since(begin))
		return nil
	})
	runLoggedIn(t, srv, func(ctx context.Context, c *telegram.Client) error {
		_, err := inputChannel(ctx, c.API(), DefaultChannelID)
		return err
	})
}
