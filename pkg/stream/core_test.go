package stream

// The core's behaviour at its narrow seam, over the in-memory Telegram
// (memtg_test.go): byte ranges, resolving, cancel, close, the buffer
// budget, deadlines, retries, FLOOD_WAIT and file references. What needs
// the real client (login, sessions, gotd's own waits and reconnects) is in
// integration_test.go.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func TestRangesAreByteExact(t *testing.T) {
	svc, m := newMemService(Options{})
	m.add(1, 5*mib+12345, 0)
	other := memDocument(2, 3*mib+77, "video/mp4", "other.mp4", &tg.DocumentAttributeVideo{W: 640, H: 360, Duration: 4})
	other.DCID = 4
	m.post(2, "c", &tg.MessageMediaDocument{Video: true, Document: other})
	m.post(3, "c", memPhoto(3, 700*1024+5, 1280, 720))
	files := []struct {
		name string
		id   int
		size int64
		kind Kind
		dc   int
	}{
		{"home-DC document", 1, 5*mib + 12345, KindDocument, 2},
		{"other-DC document", 2, 3*mib + 77, KindVideo, 4},
		{"photo", 3, 700*1024 + 5, KindPhoto, 2},
	}
	ctx := context.Background()
	for i, tf := range files {
		t.Run(tf.name, func(t *testing.T) {
			f := resolveMem(t, svc, tf.id)
			size := tf.size
			if f.Size != size || f.Kind != tf.kind || f.DC != tf.dc {
				t.Fatalf("resolved size %d kind %s DC %d, want %d %s %d", f.Size, f.Kind, f.DC, size, tf.kind, tf.dc)
			}
			ranges := [][2]int64{
				{0, 0}, {1023, 1025}, {mib - 1, mib + 1}, {size - 1, size - 1}, {0, size - 1},
				{mib, 2*mib - 1}, {size - 1025, size - 1}, {4095, 4096},
			}
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			for range 100 {
				a := rng.Int64N(size)
				b := a + rng.Int64N(min(size-a, 3*mib))
				ranges = append(ranges, [2]int64{a, b})
			}
			for _, r := range ranges {
				if r[1] >= size || r[0] < 0 {
					continue // an edge past a small file
				}
				got, err := readRange(ctx, svc, f, r[0], r[1])
				if err != nil {
					t.Fatalf("range %d-%d: %v", r[0], r[1], err)
				}
				if !bytes.Equal(got, memBytes(f, r[0], r[1])) {
					t.Fatalf("range %d-%d: %d bytes, not the file's", r[0], r[1], len(got))
				}
			}
		})
	}
}

func TestOpenRejectsRangeOutsideFile(t *testing.T) {
	svc, m, f := memWithFile(t, Options{}, 1000)
	m.add(2, 0, 0)
	empty := resolveMem(t, svc, 2)
	if empty.Size != 0 {
		t.Fatalf("empty file size %d", empty.Size)
	}
	for _, r := range [][2]int64{{-1, 5}, {5, 4}, {0, 1000}, {1000, 1000}} {
		if _, err := svc.Open(context.Background(), f, r[0], r[1]); !errors.Is(err, ErrRange) {
			t.Errorf("Open(%d, %d) = %v, want ErrRange", r[0], r[1], err)
		}
	}
	if _, err := svc.Open(context.Background(), empty, 0, 0); !errors.Is(err, ErrRange) {
		t.Errorf("Open on an empty file = %v, want ErrRange", err)
	}
	if n := m.count(mGetFile); n != 0 {
		t.Errorf("%d getFile calls for ranges outside the files", n)
	}
}

func TestResolveMediaKinds(t *testing.T) {
	svc, m := newMemService(Options{})
	doc := func(mime, name string, attrs ...tg.DocumentAttributeClass) func(id int) tg.MessageMediaClass {
		return func(id int) tg.MessageMediaClass {
			return &tg.MessageMediaDocument{Document: memDocument(id, 10, mime, name, attrs...)}
		}
	}
	tests := []struct {
		label    string
		media    func(id int) tg.MessageMediaClass
		kind     Kind
		name     string
		mimeType string
	}{
		{"document", doc("application/pdf", "report.pdf"), KindDocument, "report.pdf", "application/pdf"},
		{"video", doc("video/mp4", "clip.mp4", &tg.DocumentAttributeVideo{W: 320, H: 180, Duration: 3, SupportsStreaming: true}), KindVideo, "clip.mp4", "video/mp4"},
		{"audio", doc("audio/mpeg", "song.mp3", &tg.DocumentAttributeAudio{Duration: 5}), KindAudio, "song.mp3", "audio/mpeg"},
		{"voice", doc("audio/ogg", "", &tg.DocumentAttributeAudio{Voice: true, Duration: 2}), KindVoice, "voice_%d.ogg", "audio/ogg"},
		{"voice without MIME type", doc("", "", &tg.DocumentAttributeAudio{Voice: true, Duration: 2}), KindVoice, "voice_%d.ogg", "audio/ogg"},
		{"video_note", doc("video/mp4", "", &tg.DocumentAttributeVideo{RoundMessage: true, W: 240, H: 240}), KindVideoNote, "video_note_%d.mp4", "video/mp4"},
		{"sticker", doc("image/webp", "sticker.webp", &tg.DocumentAttributeImageSize{W: 512, H: 512},
			&tg.DocumentAttributeSticker{Alt: "🙂", Stickerset: &tg.InputStickerSetEmpty{}}), KindSticker, "sticker.webp", "image/webp"},
		{"animation", doc("video/mp4", "fun.mp4", &tg.DocumentAttributeAnimated{}, &tg.DocumentAttributeVideo{}), KindAnimation, "fun.mp4", "video/mp4"},
		{"photo", func(id int) tg.MessageMediaClass { return memPhoto(id, 4000, 800, 600) }, KindPhoto, "photo_%d.jpg", "image/jpeg"},
	}
	for i, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			id := i + 1
			m.post(id, "code", tt.media(id))
			f := resolveMem(t, svc, id)
			name := tt.name
			if strings.Contains(name, "%d") {
				name = fmt.Sprintf(name, id)
			}
			if f.Kind != tt.kind || f.Name != name || f.MIMEType != tt.mimeType || f.Caption != "code" || f.MessageID != id {
				t.Errorf("got kind %s name %q mime %q caption %q id %d; want %s %q %q",
					f.Kind, f.Name, f.MIMEType, f.Caption, f.MessageID, tt.kind, name, tt.mimeType)
			}
			if f.Version == "" || !f.Date.Equal(memDate(id)) {
				t.Errorf("version %q date %v", f.Version, f.Date)
			}
			svc.Forget(id)
			again, err := svc.Resolve(context.Background(), id)
			if err != nil || again.Name != f.Name || again.Version != f.Version {
				t.Errorf("second resolve: %v %q (the name must be stable)", err, again.Name)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	svc, m := newMemService(Options{NegativeTTL: time.Millisecond})
	m.addText(1)
	m.add(2, 10, 0)
	m.remove(2)
	ctx := context.Background()
	for _, tt := range []struct {
		id   int
		want error
	}{
		{1, ErrNoMedia},
		{2, ErrMessageNotFound},
		{999999, ErrMessageNotFound},
		{0, ErrMessageNotFound},
	} {
		if _, err := svc.Resolve(ctx, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("Resolve(%d) = %v, want %v", tt.id, err, tt.want)
		}
	}

	wrongChannel := newService(m, Options{ChannelID: memChannel + 1})
	if _, err := wrongChannel.Resolve(ctx, 1); !errors.Is(err, ErrChannelUnreachable) {
		t.Errorf("wrong channel: %v, want ErrChannelUnreachable", err)
	}
}

// TestResolveCachesAndSharesCalls: concurrent resolves of one message
// share one getMessages call while it is in flight; later ones use the
// cache.
func TestResolveCachesAndSharesCalls(t *testing.T) {
	svc, m := newMemService(Options{})
	m.add(1, 10, 0)
	m.add(2, 10, 0)
	resolveMem(t, svc, 1) // the channel is known
	before := m.count(mGetMessages)
	m.hold(mGetMessages, 0, false)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Resolve(context.Background(), 2)
			errs <- err
		}()
	}
	waiters := func() int {
		svc.resolver.group.mu.Lock()
		defer svc.resolver.group.mu.Unlock()
		if c := svc.resolver.group.calls[2]; c != nil {
			return c.waiters
		}
		return 0
	}
	if !waitUntil(10*time.Second, func() bool { return waiters() == 20 && m.gate(mGetMessages).waiting > 0 }) {
		t.Fatalf("%d resolves wait for the call in flight, want 20", waiters())
	}
	m.release(mGetMessages)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := m.count(mGetMessages) - before; n != 1 {
		t.Errorf("20 concurrent resolves made %d getMessages calls, want 1", n)
	}
	resolveMem(t, svc, 2)
	if n := m.count(mGetMessages) - before; n != 1 {
		t.Errorf("a cached message cost %d more getMessages calls", n-1)
	}
}

// TestFloodWait: a FLOOD_WAIT that reaches the core (the client waits out
// the short ones: integration_test.go) is returned typed, not retried.
func TestFloodWait(t *testing.T) {
	svc, m, f := memWithFile(t, Options{}, 2*mib)
	ctx := context.Background()
	for _, wait := range []int{1, 120} {
		t.Run(fmt.Sprintf("FLOOD_WAIT_%d on getFile", wait), func(t *testing.T) {
			m.failNext(mGetFile, tgerr.New(420, fmt.Sprintf("FLOOD_WAIT_%d", wait)))
			before := m.count(mGetFile)
			_, err := readRange(ctx, svc, f, 0, 10)
			var fw *FloodWaitError
			if !errors.As(err, &fw) || fw.Wait != time.Duration(wait)*time.Second {
				t.Fatalf("got %v, want FloodWaitError of %ds", err, wait)
			}
			if n := m.count(mGetFile) - before; n != 1 {
				t.Errorf("%d getFile calls, want 1 (no retry)", n)
			}
		})
	}
	t.Run("on getMessages", func(t *testing.T) {
		m.add(2, 2*mib, 0)
		m.failNext(mGetMessages, tgerr.New(420, "FLOOD_WAIT_300"))
		_, err := svc.Resolve(ctx, 2)
		var fw *FloodWaitError
		if !errors.As(err, &fw) || fw.Wait != 300*time.Second {
			t.Fatalf("got %v, want FloodWaitError of 300s", err)
		}
	})
}

func TestFileReferenceExpiredMidStream(t *testing.T) {
	// open reads the first MiB of message 1 and then expires the file
	// references.
	open := func(t *testing.T, size int64) (*memTelegram, *File, io.Reader, []byte) {
		svc, m, f := memWithFile(t, Options{Window: 2}, size)
		r := mustOpen(t, svc, f, 0, size-1)
		head := make([]byte, mib)
		if _, err := io.ReadFull(r, head); err != nil {
			t.Fatal(err)
		}
		m.expireReferences()
		return m, f, r, head
	}
	t.Run("refreshed once", func(t *testing.T) {
		m, f, r, head := open(t, 6*mib)
		before := m.count(mGetMessages)
		rest, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(head, rest...), memBytes(f, 0, f.Size-1)) {
			t.Fatal("bytes differ after the file reference was refreshed")
		}
		if n := m.count(mGetMessages) - before; n != 1 {
			t.Errorf("%d getMessages calls to refresh, want 1", n)
		}
	})
	t.Run("expired again", func(t *testing.T) {
		m, _, r, _ := open(t, 32*mib)
		if _, err := io.ReadFull(r, make([]byte, 2*mib)); err != nil {
			t.Fatal(err) // refreshed
		}
		m.expireReferences()
		if _, err := io.ReadAll(r); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
	})
	t.Run("message deleted", func(t *testing.T) {
		m, _, r, _ := open(t, 6*mib)
		m.remove(1)
		if _, err := io.ReadAll(r); !errors.Is(err, ErrMessageNotFound) {
			t.Fatalf("got %v, want ErrMessageNotFound", err)
		}
	})
}

// TestFailedCallIsRetried: a call that fails for no reason Telegram gave
// (a dropped connection, a timeout) is retried, PartRetries times at most.
func TestFailedCallIsRetried(t *testing.T) {
	dropped := errors.New("connection reset by peer")
	t.Run("once", func(t *testing.T) {
		svc, m, f := memWithFile(t, Options{}, 3*mib)
		m.failNext(mGetFile, dropped)
		got, err := readRange(context.Background(), svc, f, 0, f.Size-1)
		if err != nil {
			t.Fatal(err)
		}
		checkMemBytes(t, f, got, 0)
		if n := m.count(mGetFile); n != 3+1 {
			t.Errorf("%d getFile calls for 3 parts and one failure, want 4", n)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		svc, m, f := memWithFile(t, Options{PartRetries: 2}, 3*mib)
		m.failNext(mGetFile, dropped, dropped, dropped, dropped)
		_, err := readRange(context.Background(), svc, f, 0, 10)
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, dropped) {
			t.Fatalf("got %v, want ErrUnavailable wrapping the failure", err)
		}
		if n := m.count(mGetFile); n != 1+2 {
			t.Errorf("%d getFile calls with 2 retries, want 3", n)
		}
	})
}

// heldCallsEnded fails t unless every getFile call held at the gate ended,
// cancelled.
func heldCallsEnded(t *testing.T, m *memTelegram) {
	t.Helper()
	g := m.gate(mGetFile)
	if g.held == 0 || g.waiting != 0 || g.cancelled != g.held {
		t.Errorf("of %d getFile calls held, %d still wait and %d were cancelled", g.held, g.waiting, g.cancelled)
	}
}

func TestCloseStopsFetching(t *testing.T) {
	svc, m, f := memWithFile(t, Options{Window: 4}, 64*mib)
	m.hold(mGetFile, mib, false) // the first part answers; the others wait
	r, err := svc.Open(context.Background(), f, 0, f.Size-1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, mib)); err != nil {
		t.Fatal(err)
	}
	if !waitUntil(10*time.Second, func() bool { return m.gate(mGetFile).waiting > 0 }) {
		t.Fatal("no fetch in flight to stop")
	}
	r.Close() // returns once the fetches have: nobody answers them
	waitNoReaderGoroutines(t)
	heldCallsEnded(t, m)
	if calls := m.count(mGetFile); calls > 4+1+1 {
		t.Errorf("%d getFile calls for 1 MiB read with window 4", calls)
	}
	if used := svc.BufferInUse(); used != 0 {
		t.Errorf("%d bytes of buffer budget still held", used)
	}
}

func TestCancelContextStopsFetching(t *testing.T) {
	svc, m, f := memWithFile(t, Options{Window: 4}, 32*mib)
	m.hold(mGetFile, 0, false)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := svc.Open(ctx, f, 0, f.Size-1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	read := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r)
		read <- err
	}()
	if !waitUntil(10*time.Second, func() bool { return m.gate(mGetFile).waiting > 0 }) {
		t.Fatal("no fetch in flight to stop")
	}
	cancel()
	if err := <-read; !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	r.Close()
	waitNoReaderGoroutines(t)
	heldCallsEnded(t, m)
	if used := svc.BufferInUse(); used != 0 {
		t.Errorf("%d bytes of buffer budget still held", used)
	}
}

func TestBusyWhenBudgetSpent(t *testing.T) {
	svc, m, f := memWithFile(t, Options{BufferBudget: mib, BusyWait: 200 * time.Millisecond, Window: 2}, 8*mib)
	m.hold(mGetFile, 0, false) // the first stream keeps its budget
	first, err := svc.Open(context.Background(), f, 0, f.Size-1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Open(context.Background(), f, 0, f.Size-1)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("second stream: %v, want ErrBusy", err)
	}
	first.Close()
	second, err := svc.Open(context.Background(), f, 0, 10)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close()
	if used := svc.BufferInUse(); used != 0 {
		t.Errorf("%d bytes of buffer budget still held", used)
	}
}

func TestConcurrentStreams(t *testing.T) {
	svc, m, f := memWithFile(t, Options{Window: 4}, 12*mib+999)
	m.latency = time.Millisecond // the streams' calls overlap
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			a := rng.Int64N(f.Size)
			b := min(a+rng.Int64N(4*mib), f.Size-1)
			got, err := readRange(context.Background(), svc, f, a, b)
			if err != nil {
				t.Errorf("stream %d: %v", i, err)
				return
			}
			if !bytes.Equal(got, memBytes(f, a, b)) {
				t.Errorf("stream %d: range %d-%d differs", i, a, b)
			}
		}()
	}
	wg.Wait()
	if used := svc.BufferInUse(); used != 0 {
		t.Errorf("%d bytes of buffer budget still held", used)
	}
	waitNoReaderGoroutines(t)
}

// TestCloseBoundedByDeadline: after a freeze in which the connection to
// Telegram died silently (a thawed Lambda), a read that ends at its
// request's deadline must also close by then. gotd answers a cancelled
// call only after it has dropped it on the server (up to 15 s, on a
// connection that no longer answers), so Close must not wait for the
// fetches past the deadline; their budget comes back once they end.
func TestCloseBoundedByDeadline(t *testing.T) {
	svc, m, f := memWithFile(t, Options{Window: 4}, 8*mib)
	if _, err := readRange(context.Background(), svc, f, 0, 1023); err != nil {
		t.Fatal(err) // the connection is up and warm
	}
	m.hold(mGetFile, 0, true) // the freeze: no answers, cancels unheard
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r, err := svc.Open(ctx, f, 0, f.Size-1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read during the freeze: %v, want the deadline", err)
	}
	r.Close()
	// Close is back while the fetches are not.
	if g := m.gate(mGetFile); g.waiting == 0 {
		t.Fatalf("no fetch still running after Close (%d held): the freeze was not felt", g.held)
	}
	// The fetches end when gotd gives up the drops; then their budget
	// comes back.
	m.release(mGetFile)
	waitNoReaderGoroutines(t)
	if !waitUntil(10*time.Second, func() bool { return svc.BufferInUse() == 0 }) {
		t.Fatalf("%d bytes of buffer budget still held after the fetches ended", svc.BufferInUse())
	}
}
