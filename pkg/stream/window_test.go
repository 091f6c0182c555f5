package stream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/stream"
)

// settle waits until the fake's getFile byte count stops changing for a
// while: what a stream fetches on its own, without reads, has been fetched.
func settle(e *env) int64 {
	last := e.fake.FileBytes()
	for {
		time.Sleep(300 * time.Millisecond)
		n := e.fake.FileBytes()
		if n == last {
			return n
		}
		last = n
	}
}

// TestWindowIsEarned checks how far a stream fetches ahead of its client:
// two parts before the client drains any, no growth for a client slower
// than Telegram, all prefetched parts returned when the client stalls.
func TestWindowIsEarned(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{StallTimeout: 300 * time.Millisecond}})
	content := tgfake.Pattern(21, 64*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	size := content.Size()

	t.Run("a new stream fetches two parts", func(t *testing.T) {
		e.fake.ResetCalls()
		r, err := e.svc.Open(context.Background(), f, 0, size-1)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := io.ReadFull(r, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		if n := settle(e); n > 2*MiB {
			t.Errorf("fetched %d bytes for a stream read 1 byte of, want ≤ 2 MiB", n)
		}
	})

	t.Run("a slow client keeps a short lead", func(t *testing.T) {
		e.fake.ResetCalls()
		r, err := e.svc.Open(context.Background(), f, 0, size-1)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// Each part is drained long after it arrived: the client, not
		// Telegram, is the bottleneck, so the limit stays at two parts.
		const parts = 6
		got := make([]byte, 0, parts*MiB)
		buf := make([]byte, 64<<10)
		for len(got) < parts*MiB {
			n, err := r.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
			if len(got)%MiB == 0 {
				time.Sleep(100 * time.Millisecond) // < StallTimeout
			}
		}
		if !bytes.Equal(got, tgfake.ReadRange(t, content, 0, int64(len(got))-1)) {
			t.Fatal("bytes differ")
		}
		if n := settle(e); n > (parts+2)*MiB {
			t.Errorf("fetched %d MiB for a slow client that drained %d, want ≤ %d", n/MiB, parts, parts+2)
		}
	})

	t.Run("a stalled stream gives its budget back and resumes", func(t *testing.T) {
		reclaims := e.svc.Reclaims()
		r, err := e.svc.Open(context.Background(), f, 0, size-1)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		head := make([]byte, 8*MiB+5) // fast: the window grows
		if _, err := io.ReadFull(r, head); err != nil {
			t.Fatal(err)
		}
		if !waitUntil(10*time.Second, func() bool { return e.svc.Reclaims() > reclaims }) {
			t.Fatal("a stream not read for 10s was not reclaimed")
		}
		// What stays is the rest of the part being read.
		if used := e.svc.BufferInUse(); used > MiB {
			t.Errorf("%d bytes held by a stalled stream, want ≤ 1 MiB", used)
		}
		rest, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(head, rest...), tgfake.ReadRange(t, content, 0, size-1)) {
			t.Fatal("bytes differ after the stream resumed")
		}
		r.Close()
		if used := e.svc.BufferInUse(); used != 0 {
			t.Errorf("%d bytes of buffer budget still held after Close", used)
		}
		waitNoReaderGoroutines(t, time.Second)
	})
}

func waitUntil(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// TestFileMigrateLoop: a Telegram that answers FILE_MIGRATE forever gets a
// bounded number of calls and the stream ends with ErrMigrateLoop.
func TestFileMigrateLoop(t *testing.T) {
	e := newEnv(t, envOptions{})
	content := tgfake.Pattern(6, 4*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	e.fake.ResetCalls()
	e.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(303, fmt.Sprintf("FILE_MIGRATE_%d", e.fake.OtherDC())), 1<<20)
	defer e.fake.FailNext(tg.UploadGetFileRequestTypeID, nil, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := readRange(ctx, e.svc, f, 0, content.Size()-1)
	if !errors.Is(err, stream.ErrMigrateLoop) || !errors.Is(err, stream.ErrUnavailable) {
		t.Fatalf("got %v, want ErrMigrateLoop (an ErrUnavailable)", err)
	}
	// Two parts in flight, each follows at most 3 answers.
	if n := e.fake.Calls(tg.UploadGetFileRequestTypeID); n > 2*(3+1) {
		t.Errorf("%d getFile calls for a FILE_MIGRATE loop, want ≤ 8", n)
	}
}
