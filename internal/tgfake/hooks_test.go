package tgfake

// The hooks in memory, in fake time where time matters (testing/synctest):
// injected errors, latency, pauses. What they do to connections (DropNext,
// SetReachable, latency on one MTProto connection) is in wire_test.go.

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// withDocument runs f logged in in memory, with the location of a fresh
// document.
func withDocument(t *testing.T, srv *Server, content Content, f func(ctx context.Context, api *tg.Client, loc *tg.InputDocumentFileLocation) error) {
	t.Helper()
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: content})
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		doc, err := channelDocument(ctx, api, id)
		if err != nil {
			return err
		}
		return f(ctx, api, docLocation(doc))
	})
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	content := Pattern(1, 8192)
	withDocument(t, srv, content, func(ctx context.Context, api *tg.Client, loc *tg.InputDocumentFileLocation) error {
		srv.ResetCalls()
		srv.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_3"), 2)
		for i := range 2 {
			_, err := getFile(ctx, api, loc, 0, 4096)
			if err := wantRPCError(err, 420, "FLOOD_WAIT"); err != nil {
				return fmt.Errorf("call %d: %w", i+1, err)
			}
			if d, ok := tgerr.AsFloodWait(err); !ok || d != 3*time.Second {
				return fmt.Errorf("call %d: flood wait %v %v", i+1, d, ok)
			}
		}
		b, err := getFile(ctx, api, loc, 0, 4096)
		if err != nil || !bytes.Equal(b, contentAt(content, 0, 4096)) {
			return fmt.Errorf("third call: %d bytes, %v", len(b), err)
		}
		if got := srv.Calls(tg.UploadGetFileRequestTypeID); got != 3 {
			return fmt.Errorf("Calls(getFile) = %d, want 3", got)
		}

		// Other methods are not affected; FailNext on them works the same.
		srv.FailNext(tg.ChannelsGetChannelsRequestTypeID, tgerr.New(500, "INTERNAL"), 1)
		_, err = inputChannel(ctx, api, DefaultChannelID)
		if err := wantRPCError(err, 500, "INTERNAL"); err != nil {
			return fmt.Errorf("getChannels: %w", err)
		}
		if _, err := inputChannel(ctx, api, DefaultChannelID); err != nil {
			return err
		}
		srv.ResetCalls()
		if got := srv.Calls(tg.UploadGetFileRequestTypeID); got != 0 {
			return fmt.Errorf("after ResetCalls: %d", got)
		}
		return nil
	})
}

// concurrently runs the calls at once and reports the fake time all of
// them took.
func concurrently(calls ...func() error) (time.Duration, error) {
	begin := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(calls))
	for i, call := range calls {
		wg.Go(func() { errs[i] = call() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return time.Since(begin), nil
}

// Latency delays every upload.getFile answer by exactly the latency, the
// calls waiting side by side (on one connection or two), and nothing else.
func TestLatencyIsConcurrent(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemory(t, Options{})
		content := Pattern(3, 2*mib)
		withDocument(t, srv, content, func(ctx context.Context, api *tg.Client, loc *tg.InputDocumentFileLocation) error {
			second, err := memLogin(ctx, srv, DefaultBotToken)
			if err != nil {
				return err
			}
			part := func(api *tg.Client, i int) func() error {
				return func() error {
					b, err := getFile(ctx, api, loc, int64(i)*mib, 64<<10)
					if err == nil && !bytes.Equal(b, contentAt(content, int64(i)*mib, 64<<10)) {
						err = fmt.Errorf("part %d: wrong bytes", i)
					}
					return err
				}
			}
			const latency = 500 * time.Millisecond
			srv.SetLatency(latency)
			for _, tc := range []struct {
				name    string
				apis    [2]*tg.Client
				perConn int
			}{
				{"two connections", [2]*tg.Client{api, second}, 1},
				{"one connection", [2]*tg.Client{api, api}, 2},
			} {
				srv.ResetCalls()
				took, err := concurrently(part(tc.apis[0], 0), part(tc.apis[1], 1))
				if err != nil {
					return fmt.Errorf("%s: %w", tc.name, err)
				}
				if took != latency {
					return fmt.Errorf("%s: two getFile calls with %v latency took %v", tc.name, latency, took)
				}
				if got := srv.MaxGetFileInFlight(); got != 2 {
					return fmt.Errorf("%s: MaxGetFileInFlight = %d, want 2", tc.name, got)
				}
				if got := srv.MaxInFlightPerConn(); got != tc.perConn {
					return fmt.Errorf("%s: MaxInFlightPerConn = %d, want %d", tc.name, got, tc.perConn)
				}
				if got := srv.FileBytes(); got != 2*64<<10 {
					return fmt.Errorf("%s: FileBytes = %d, want two 64 KiB parts", tc.name, got)
				}
			}

			// Latency is for getFile only.
			begin := time.Now()
			if _, err := inputChannel(ctx, api, DefaultChannelID); err != nil {
				return err
			}
			if took := time.Since(begin); took != 0 {
				return fmt.Errorf("getChannels took %v under getFile latency", took)
			}
			srv.SetLatency(0)
			return nil
		})
	})
}

// Calls arriving during a pause are answered together at its end, in fake
// time; a call after it at once.
func TestPause(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemory(t, Options{})
		withDocument(t, srv, Pattern(4, 4096), func(ctx context.Context, api *tg.Client, loc *tg.InputDocumentFileLocation) error {
			const pause = 400 * time.Millisecond
			srv.Pause(pause)
			time.Sleep(100 * time.Millisecond)
			took, err := concurrently(
				func() error { _, err := getFile(ctx, api, loc, 0, 4096); return err },
				func() error { _, err := inputChannel(ctx, api, DefaultChannelID); return err },
			)
			if err != nil {
				return err
			}
			if took != pause-100*time.Millisecond {
				return fmt.Errorf("calls 100ms into a %v pause took %v, want the rest of it", pause, took)
			}
			// A shorter pause does not shorten a longer one.
			srv.Pause(time.Second)
			srv.Pause(200 * time.Millisecond)
			begin := time.Now()
			if _, err := getFile(ctx, api, loc, 0, 4096); err != nil {
				return err
			}
			if took := time.Since(begin); took != time.Second {
				return fmt.Errorf("call in a 1s pause (then a 200ms one) took %v", took)
			}
			begin = time.Now()
			if _, err := getFile(ctx, api, loc, 0, 4096); err != nil {
				return err
			}
			if took := time.Since(begin); took != 0 {
				return fmt.Errorf("call after the pause took %v", took)
			}
			return nil
		})
	})
}
