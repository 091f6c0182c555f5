package stream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/stream"
)

const MiB = 1 << 20

func TestRangesAreByteExact(t *testing.T) {
	e := newEnv(t, envOptions{})
	home := tgfake.Pattern(1, 5*MiB+12345)
	other := tgfake.Pattern(2, 3*MiB+77)
	photo := tgfake.Pattern(3, 700*1024+5)
	files := []struct {
		name    string
		media   *tgfake.Media
		content tgfake.Content
		kind    stream.Kind
	}{
		{"home-DC document", &tgfake.Media{Kind: "document", Name: "home.bin", MIMEType: "application/octet-stream", Content: home}, home, stream.KindDocument},
		{"other-DC document", &tgfake.Media{Kind: "video", Name: "other.mp4", MIMEType: "video/mp4", Content: other, DC: 4}, other, stream.KindVideo},
		{"photo", &tgfake.Media{Kind: "photo", Content: photo, Width: 1280, Height: 720}, photo, stream.KindPhoto},
	}
	ctx := context.Background()
	for i, tf := range files {
		t.Run(tf.name, func(t *testing.T) {
			f, _ := e.add(t, fmt.Sprintf("code-%d", i), tf.media)
			size := tf.content.Size()
			if f.Size != size || f.Kind != tf.kind {
				t.Fatalf("resolved size %d kind %s, want %d %s", f.Size, f.Kind, size, tf.kind)
			}
			ranges := [][2]int64{
				{0, 0}, {1023, 1025}, {MiB - 1, MiB + 1}, {size - 1, size - 1}, {0, size - 1},
				{MiB, 2*MiB - 1}, {size - 1025, size - 1}, {4095, 4096},
			}
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			for range 100 {
				a := rng.Int64N(size)
				b := a + rng.Int64N(min(size-a, 3*MiB))
				ranges = append(ranges, [2]int64{a, b})
			}
			for _, r := range ranges {
				if r[1] >= size || r[0] < 0 {
					continue // an edge past a small file
				}
				got, err := readRange(ctx, e.svc, f, r[0], r[1])
				if err != nil {
					t.Fatalf("range %d-%d: %v", r[0], r[1], err)
				}
				if !bytes.Equal(got, tgfake.ReadRange(t, tf.content, r[0], r[1])) {
					t.Fatalf("range %d-%d: %d bytes, not the file's", r[0], r[1], len(got))
				}
			}
		})
	}
}

func TestOpenRejectsRangeOutsideFile(t *testing.T) {
	e := newEnv(t, envOptions{})
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a.bin", Content: tgfake.Pattern(1, 1000)})
	empty, _ := e.add(t, "e", &tgfake.Media{Kind: "document", Name: "empty.txt", MIMEType: "text/plain", Content: tgfake.Bytes(nil)})
	if empty.Size != 0 {
		t.Fatalf("empty file size %d", empty.Size)
	}
	for _, r := range [][2]int64{{-1, 5}, {5, 4}, {0, 1000}, {1000, 1000}} {
		if _, err := e.svc.Open(context.Background(), f, r[0], r[1]); !errors.Is(err, stream.ErrRange) {
			t.Errorf("Open(%d, %d) = %v, want ErrRange", r[0], r[1], err)
		}
	}
	if _, err := e.svc.Open(context.Background(), empty, 0, 0); !errors.Is(err, stream.ErrRange) {
		t.Errorf("Open on an empty file = %v, want ErrRange", err)
	}
}

func TestResolveMediaKinds(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		media    *tgfake.Media
		kind     stream.Kind
		name     string
		mimeType string
	}{
		{&tgfake.Media{Kind: "document", Name: "report.pdf", MIMEType: "application/pdf", Content: tgfake.Pattern(1, 10)}, stream.KindDocument, "report.pdf", "application/pdf"},
		{&tgfake.Media{Kind: "video", Name: "clip.mp4", MIMEType: "video/mp4", Content: tgfake.Pattern(1, 10), Width: 320, Height: 180, Duration: 3}, stream.KindVideo, "clip.mp4", "video/mp4"},
		{&tgfake.Media{Kind: "audio", Name: "song.mp3", MIMEType: "audio/mpeg", Content: tgfake.Pattern(1, 10), Duration: 5}, stream.KindAudio, "song.mp3", "audio/mpeg"},
		{&tgfake.Media{Kind: "voice", MIMEType: "audio/ogg", Content: tgfake.Pattern(1, 10), Duration: 2}, stream.KindVoice, "voice_%d.ogg", "audio/ogg"},
		{&tgfake.Media{Kind: "video_note", MIMEType: "video/mp4", Content: tgfake.Pattern(1, 10), Width: 240, Height: 240}, stream.KindVideoNote, "video_note_%d.mp4", "video/mp4"},
		{&tgfake.Media{Kind: "sticker", Name: "sticker.webp", MIMEType: "image/webp", Content: tgfake.Pattern(1, 10)}, stream.KindSticker, "sticker.webp", "image/webp"},
		{&tgfake.Media{Kind: "animation", Name: "fun.mp4", MIMEType: "video/mp4", Content: tgfake.Pattern(1, 10)}, stream.KindAnimation, "fun.mp4", "video/mp4"},
		{&tgfake.Media{Kind: "photo", Content: tgfake.Pattern(1, 4000), Width: 800, Height: 600}, stream.KindPhoto, "photo_%d.jpg", "image/jpeg"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			f, id := e.add(t, "code", tt.media)
			name := tt.name
			if bytes.Contains([]byte(name), []byte("%d")) {
				name = fmt.Sprintf(name, id)
			}
			if f.Kind != tt.kind || f.Name != name || f.MIMEType != tt.mimeType || f.Caption != "code" || f.MessageID != id {
				t.Errorf("got kind %s name %q mime %q caption %q id %d; want %s %q %q",
					f.Kind, f.Name, f.MIMEType, f.Caption, f.MessageID, tt.kind, name, tt.mimeType)
			}
			if f.Version == "" || f.Date.IsZero() {
				t.Errorf("version %q date %v", f.Version, f.Date)
			}
			again, err := e.svc.Resolve(context.Background(), id)
			if err != nil || again.Name != f.Name {
				t.Errorf("second resolve: %v %q (the name must be stable)", err, again.Name)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{NegativeTTL: time.Millisecond}})
	text := e.fake.AddMessage("just text", nil)
	gone := e.fake.AddMessage("gone", &tgfake.Media{Kind: "document", Name: "x", Content: tgfake.Pattern(1, 10)})
	e.fake.DeleteMessage(gone)
	ctx := context.Background()
	for _, tt := range []struct {
		id   int
		want error
	}{
		{text, stream.ErrNoMedia},
		{gone, stream.ErrMessageNotFound},
		{999999, stream.ErrMessageNotFound},
		{0, stream.ErrMessageNotFound},
	} {
		if _, err := e.svc.Resolve(ctx, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("Resolve(%d) = %v, want %v", tt.id, err, tt.want)
		}
	}

	wrongChannel := stream.New(e.client, stream.Options{ChannelID: 777})
	if _, err := wrongChannel.Resolve(ctx, text); !errors.Is(err, stream.ErrChannelUnreachable) {
		t.Errorf("wrong channel: %v, want ErrChannelUnreachable", err)
	}
}

func TestResolveCachesAndSharesCalls(t *testing.T) {
	e := newEnv(t, envOptions{})
	warm := e.fake.AddMessage("w", &tgfake.Media{Kind: "document", Name: "w", Content: tgfake.Pattern(1, 10)})
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: "document", Name: "a", Content: tgfake.Pattern(1, 10)})
	if _, err := e.svc.Resolve(context.Background(), warm); err != nil {
		t.Fatal(err) // warm up login and channel
	}
	e.fake.ResetCalls()
	e.fake.SetLatency(0)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.Resolve(context.Background(), id)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.fake.Calls(tg.ChannelsGetMessagesRequestTypeID); n != 1 {
		t.Errorf("20 concurrent resolves made %d getMessages calls, want 1", n)
	}
}

func TestConcurrentFirstUseLogsInOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: "document", Name: "a", Content: tgfake.Pattern(1, 10)})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.Resolve(context.Background(), id); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := e.fake.Logins(); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

func TestFloodWait(t *testing.T) {
	e := newEnv(t, envOptions{})
	content := tgfake.Pattern(9, 2*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	ctx := context.Background()

	t.Run("short is waited out", func(t *testing.T) {
		e.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_1"), 1)
		start := time.Now()
		got, err := readRange(ctx, e.svc, f, 0, 2*MiB-1)
		if err != nil || !bytes.Equal(got, tgfake.ReadRange(t, content, 0, 2*MiB-1)) {
			t.Fatalf("err %v", err)
		}
		if time.Since(start) < time.Second {
			t.Errorf("finished in %s: the flood wait was not honoured", time.Since(start))
		}
	})
	t.Run("long is returned typed", func(t *testing.T) {
		e.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_120"), 1)
		_, err := readRange(ctx, e.svc, f, 0, 10)
		var fw *stream.FloodWaitError
		if !errors.As(err, &fw) || fw.Wait != 120*time.Second {
			t.Fatalf("got %v, want FloodWaitError of 120s", err)
		}
	})
	t.Run("on getMessages", func(t *testing.T) {
		id := e.fake.AddMessage("c", &tgfake.Media{Kind: "document", Name: "b", Content: content})
		e.fake.FailNext(tg.ChannelsGetMessagesRequestTypeID, tgerr.New(420, "FLOOD_WAIT_300"), 1)
		_, err := e.svc.Resolve(ctx, id)
		var fw *stream.FloodWaitError
		if !errors.As(err, &fw) || fw.Wait != 300*time.Second {
			t.Fatalf("got %v, want FloodWaitError of 300s", err)
		}
	})
}

func TestFileReferenceExpiredMidStream(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{Window: 2}})
	content := tgfake.Pattern(5, 6*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	r, err := e.svc.Open(context.Background(), f, 0, content.Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, MiB)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	before := e.fake.Calls(tg.ChannelsGetMessagesRequestTypeID)
	e.fake.ExpireFileReferences()
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(head, rest...), tgfake.ReadRange(t, content, 0, content.Size()-1)) {
		t.Fatal("bytes differ after the file reference was refreshed")
	}
	if n := e.fake.Calls(tg.ChannelsGetMessagesRequestTypeID) - before; n != 1 {
		t.Errorf("%d getMessages calls to refresh, want 1", n)
	}
}

func TestFileMigrate(t *testing.T) {
	e := newEnv(t, envOptions{})
	content := tgfake.Pattern(6, 2*MiB+3)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content, DC: 4})
	// Pretend we believed the file lived on the home DC: Telegram answers
	// FILE_MIGRATE_4 and the reader moves to DC 4's pool.
	wrong := *f
	wrong.DC = e.fake.HomeDC()
	misplaced := stream.NewFile(wrong, f.Location())
	got, err := readRange(context.Background(), e.svc, misplaced, 0, content.Size()-1)
	if err != nil || !bytes.Equal(got, tgfake.ReadRange(t, content, 0, content.Size()-1)) {
		t.Fatalf("err %v", err)
	}
}

func TestDroppedConnectionIsRetried(t *testing.T) {
	e := newEnv(t, envOptions{})
	content := tgfake.Pattern(7, 3*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	e.fake.DropNext(tg.UploadGetFileRequestTypeID, 1)
	got, err := readRange(context.Background(), e.svc, f, 0, content.Size()-1)
	if err != nil || !bytes.Equal(got, tgfake.ReadRange(t, content, 0, content.Size()-1)) {
		t.Fatalf("err %v", err)
	}
}

func TestCloseStopsFetching(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{Window: 4}})
	content := tgfake.Pattern(8, 64*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	e.fake.SetLatency(200 * time.Millisecond)
	r, err := e.svc.Open(context.Background(), f, 0, content.Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, MiB)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %s, want < 1s", d)
	}
	waitNoReaderGoroutines(t, 0)
	calls := e.fake.Calls(tg.UploadGetFileRequestTypeID)
	time.Sleep(500 * time.Millisecond)
	if n := e.fake.Calls(tg.UploadGetFileRequestTypeID); n != calls {
		t.Errorf("%d getFile calls after Close", n-calls)
	}
	if calls > 4+1+1 {
		t.Errorf("%d getFile calls for 1 MiB read with window 4", calls)
	}
	if used := e.svc.BufferInUse(); used != 0 {
		t.Errorf("%d bytes of buffer budget still held", used)
	}
}

func TestCancelContextStopsFetching(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{Window: 4}})
	content := tgfake.Pattern(8, 32*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	e.fake.SetLatency(300 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := e.svc.Open(ctx, f, 0, content.Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err = io.ReadAll(r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cancel took %s to stop the read", d)
	}
	r.Close()
	waitNoReaderGoroutines(t, 0)
}

func TestBusyWhenBudgetSpent(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{BufferBudget: MiB, BusyWait: 200 * time.Millisecond, Window: 2}})
	content := tgfake.Pattern(8, 8*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	e.fake.SetLatency(300 * time.Millisecond)
	first, err := e.svc.Open(context.Background(), f, 0, content.Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Open(context.Background(), f, 0, content.Size()-1)
	if !errors.Is(err, stream.ErrBusy) {
		t.Fatalf("second stream: %v, want ErrBusy", err)
	}
	first.Close()
	second, err := e.svc.Open(context.Background(), f, 0, 10)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close()
}

func TestConcurrentStreams(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{Window: 4}})
	content := tgfake.Pattern(11, 12*MiB+999)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			a := rng.Int64N(content.Size())
			b := min(a+rng.Int64N(4*MiB), content.Size()-1)
			got, err := readRange(context.Background(), e.svc, f, a, b)
			if err != nil {
				t.Errorf("stream %d: %v", i, err)
				return
			}
			if !bytes.Equal(got, tgfake.ReadRange(t, content, a, b)) {
				t.Errorf("stream %d: range %d-%d differs", i, a, b)
			}
		}()
	}
	wg.Wait()
	if used := e.svc.BufferInUse(); used != 0 {
		t.Errorf("%d bytes of buffer budget still held", used)
	}
}

func TestSessionSkipsLogin(t *testing.T) {
	e := newEnv(t, envOptions{})
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: "document", Name: "a", Content: tgfake.Pattern(1, 10)})
	session, err := e.client.ExportSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	logins := e.fake.Logins()
	second := newClient(t, e.fake, session)
	svc := stream.New(second, stream.Options{ChannelID: tgfake.DefaultChannelID})
	if _, err := svc.Resolve(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Logins() - logins; n != 0 {
		t.Errorf("a client with a session logged in %d times", n)
	}
}
