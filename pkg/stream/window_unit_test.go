package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// settle waits until a memTelegram's served bytes stop changing for a
// while: what a stream fetches on its own, without reads, has been fetched.
func settle(m *memTelegram) int64 {
	last := m.bytesServed()
	for {
		time.Sleep(200 * time.Millisecond)
		n := m.bytesServed()
		if n == last {
			return n
		}
		last = n
	}
}

// TestWindowIsEarned checks how far a stream fetches ahead of its client:
// two parts before the client drains any, the whole window after two parts
// drained at full speed, no growth for a client slower than Telegram, and
// all prefetched parts given back when the client stalls.
func TestWindowIsEarned(t *testing.T) {
	const size = 64 * mib
	// open opens a stream of the whole file over accounts idle accounts
	// (0: one).
	open := func(t *testing.T, opts Options, accounts int) (*Service, *memTelegram, *File, io.ReadCloser) {
		svc, m, f := memWithFile(t, opts, size)
		m.accounts = accounts
		r, err := svc.Open(context.Background(), f, 0, size-1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return svc, m, f, r
	}

	t.Run("a new stream fetches two parts", func(t *testing.T) {
		_, m, _, r := open(t, Options{}, 0)
		if _, err := io.ReadFull(r, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		if n := settle(m); n > 2*mib {
			t.Errorf("fetched %d bytes for a stream read 1 byte of, want ≤ 2 MiB", n)
		}
	})

	t.Run("over four idle accounts, four calls of the same two parts", func(t *testing.T) {
		_, m, f, r := open(t, Options{}, 4)
		got := make([]byte, size)
		if _, err := io.ReadFull(r, got[:1]); err != nil {
			t.Fatal(err)
		}
		if n, calls := settle(m), m.count("upload.getFile"); n > 2*mib || calls != 4 {
			t.Errorf("fetched %d bytes in %d calls for a stream read 1 byte of, want ≤ 2 MiB in 4", n, calls)
		}
		// The rest, at full speed: the window grows over the cut head and
		// the halved tail (2 parts per account) alike.
		if n, err := io.ReadFull(r, got[1:]); err != nil {
			t.Fatalf("read %d: %v", n, err)
		}
		checkMemBytes(t, f, got, 0)
		if calls, want := m.count("upload.getFile"), size/mib+2+8; calls != want {
			t.Errorf("%d getFile calls for 64 MiB over four accounts, want %d (64 parts, the head cut in four, eight halved)", calls, want)
		}
	})

	t.Run("a stream not alone keeps whole parts", func(t *testing.T) {
		svc, _, f, first := open(t, Options{}, 4)
		second, err := svc.Open(context.Background(), f, 0, size-1)
		if err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		if n := len(first.(*reader).parts); n != size/mib+2+8 {
			t.Errorf("the stream alone has %d calls, want %d", n, size/mib+2+8)
		}
		if n := len(second.(*reader).parts); n != size/mib {
			t.Errorf("the second stream has %d calls, want %d (whole parts)", n, size/mib)
		}
	})

	t.Run("full speed reaches the window in two round trips", func(t *testing.T) {
		svc, m, f := memWithFile(t, Options{}, size)
		// Long enough that draining a part is faster, however busy the
		// machine.
		m.latency = 150 * time.Millisecond
		r, err := svc.Open(context.Background(), f, 0, 24*mib-1)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got := make([]byte, 24*mib)
		if n, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("read %d: %v", n, err)
		}
		checkMemBytes(t, f, got, 0)
		m.mu.Lock()
		startedAt := m.startedAt
		m.mu.Unlock()
		// Parts 0 and 1 are the first round trip; once they are drained
		// the limit is 8 (by the fourth answer: one answer of slack for a
		// busy machine), and the whole window is in flight a round trip
		// later.
		if w := min(svc.opts.Window, 4*initialLimit); startedAt[3] < 2+w {
			t.Errorf("%d getFile calls started by the fourth answer, want ≥ %d", startedAt[3], 2+w)
		}
		if w := svc.opts.Window; len(startedAt) > 11 && startedAt[11] < 2+w {
			t.Errorf("%d getFile calls started by the twelfth answer, want ≥ %d", startedAt[11], 2+w)
		}
	})

	t.Run("a slow client keeps a short lead", func(t *testing.T) {
		_, m, f, r := open(t, Options{}, 0)
		const parts = 6
		got := make([]byte, 0, parts*mib)
		buf := make([]byte, 64<<10)
		for len(got) < parts*mib {
			n, err := r.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
			if len(got)%mib == 0 {
				time.Sleep(200 * time.Millisecond) // drained long after it came; < StallTimeout
			}
		}
		checkMemBytes(t, f, got, 0)
		if n := settle(m); n > (parts+2)*mib {
			t.Errorf("fetched %d MiB for a slow client that drained %d, want ≤ %d", n/mib, parts, parts+2)
		}
	})

	t.Run("a stalled stream gives its budget back and resumes", func(t *testing.T) {
		svc, _, f, r := open(t, Options{StallTimeout: 100 * time.Millisecond}, 0)
		head := make([]byte, 8*mib+5) // fast: the window grows
		if _, err := io.ReadFull(r, head); err != nil {
			t.Fatal(err)
		}
		if !waitUntil(10*time.Second, func() bool { return svc.Reclaims() > 0 }) {
			t.Fatal("a stream not read for 10s was not reclaimed")
		}
		if used := svc.BufferInUse(); used > mib {
			t.Errorf("%d bytes held by a stalled stream, want ≤ 1 MiB (the rest of the part being read)", used)
		}
		svc.budget.mu.Lock()
		streams := svc.budget.streams
		svc.budget.mu.Unlock()
		if streams != 0 {
			t.Errorf("a stalled stream still counts for the fair share (%d streams)", streams)
		}
		rest, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		checkMemBytes(t, f, append(head, rest...), 0)
		r.Close()
		if used := svc.BufferInUse(); used != 0 {
			t.Errorf("%d bytes of buffer budget still held after Close", used)
		}
	})
}

// TestFileMigrateLoop: a Telegram that answers FILE_MIGRATE forever gets a
// bounded number of calls and the stream ends with ErrMigrateLoop; one move
// met by every part in flight is followed once.
func TestFileMigrateLoop(t *testing.T) {
	t.Run("forever", func(t *testing.T) {
		svc, m, f := memWithFile(t, Options{}, 4*mib)
		m.getFile = func(dc int, _ *tg.UploadGetFileRequest) error {
			return tgerr.New(303, fmt.Sprintf("FILE_MIGRATE_%d", dc%2+4)) // 4 ↔ 5
		}
		r, err := svc.Open(context.Background(), f, 0, f.Size-1)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		_, err = io.ReadAll(r)
		if !errors.Is(err, ErrMigrateLoop) || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("got %v, want ErrMigrateLoop (an ErrUnavailable)", err)
		}
		if n := m.count("upload.getFile"); n > initialLimit*(maxMigrateHops+1) {
			t.Errorf("%d getFile calls for a FILE_MIGRATE loop, want ≤ %d", n, initialLimit*(maxMigrateHops+1))
		}
	})
	t.Run("once for all parts", func(t *testing.T) {
		svc, m := newMemService(Options{})
		m.add(1, 32*mib, 4) // on DC 4, but we think it is on the home DC
		f := resolveMem(t, svc, 1)
		wrong := *f
		wrong.DC = 2
		got, err := io.ReadAll(mustOpen(t, svc, NewFile(wrong, f.Location()), 0, f.Size-1))
		if err != nil {
			t.Fatal(err)
		}
		checkMemBytes(t, f, got, 0)
	})
}

func mustOpen(t *testing.T, svc *Service, f *File, first, last int64) io.Reader {
	t.Helper()
	r, err := svc.Open(context.Background(), f, first, last)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestUnknownIDs: lookups of ids that do not exist neither evict the files
// people download nor, far beyond the newest message, cost a call each;
// a real message posted far beyond the newest known one is still found.
func TestUnknownIDs(t *testing.T) {
	svc, m := newMemService(Options{CacheSize: 8})
	ctx := context.Background()
	for id := 1; id <= 8; id++ {
		m.add(id, 10, 0)
		resolveMem(t, svc, id)
	}
	getMessages := func() int { return m.count("channels.getMessages") }

	t.Run("misses do not evict hits", func(t *testing.T) {
		start := getMessages()
		for id := 100; id < 1000; id++ { // near the newest id: looked up
			if _, err := svc.Resolve(ctx, id); !errors.Is(err, ErrMessageNotFound) {
				t.Fatalf("id %d: %v", id, err)
			}
		}
		if n := getMessages() - start; n != 900 {
			t.Fatalf("%d getMessages calls for 900 ids near the newest, want 900", n)
		}
		before := getMessages()
		for id := 1; id <= 8; id++ {
			resolveMem(t, svc, id)
		}
		if n := getMessages() - before; n != 0 {
			t.Errorf("%d getMessages calls for 8 cached files after 900 misses, want 0", n)
		}
	})

	t.Run("far ids cost one probe", func(t *testing.T) {
		before := getMessages()
		for id := 1_000_000; id < 1_000_300; id++ {
			if _, err := svc.Resolve(ctx, id); !errors.Is(err, ErrMessageNotFound) {
				t.Fatalf("id %d: %v", id, err)
			}
		}
		if n := getMessages() - before; n > 1 {
			t.Errorf("%d getMessages calls for 300 ids far beyond the newest message, want ≤ 1 (a probe)", n)
		}
	})

	t.Run("a real message far beyond is found", func(t *testing.T) {
		now := time.Now()
		svc.resolver.bound.mu.Lock()
		svc.resolver.bound.now = func() time.Time { return now }
		svc.resolver.bound.mu.Unlock()
		const newest = 8 + 5000 // posted after 5000 others nobody fetched
		for id := 9; id < newest; id++ {
			m.addText(id)
		}
		m.add(newest, 10, 0)
		probes := 0
		for {
			// A flood of far ids competing for the probes.
			for id := 5_000_000; id < 5_000_050; id++ {
				_, _ = svc.Resolve(ctx, id)
			}
			if _, err := svc.Resolve(ctx, newest); err == nil {
				break
			} else if !errors.Is(err, ErrMessageNotFound) {
				t.Fatal(err)
			}
			if probes++; probes > 20 {
				t.Fatalf("message %d not found after %d probe intervals", newest, probes)
			}
			now = now.Add(farProbeInterval) // the next probe is due
		}
		t.Logf("found a message 5000 posts beyond the newest known after %d probe intervals of flooding", probes)
	})
}

// TestGrowth: a part drained at full speed grows the limit fourfold,
// never beyond maxLimit.
func TestGrowth(t *testing.T) {
	for _, c := range []struct{ limit, maxLimit, want int64 }{
		{initialWindow, 33 * mib, 8 * mib},
		{8 * mib, 33 * mib, 32 * mib},
		{32 * mib, 33 * mib, 33 * mib},
		{33 * mib, 33 * mib, 33 * mib},
		{initialWindow, 5 * mib, 5 * mib},
	} {
		if got := grow(c.limit, c.maxLimit); got != c.want {
			t.Errorf("grow(%d, max %d) = %d, want %d", c.limit, c.maxLimit, got, c.want)
		}
	}
}
