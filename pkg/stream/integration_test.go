package stream

// Integration tests: the core through its adapter (telegramConn, api.go)
// over the real gotd client and MTProto against the in-process
// fake Telegram (internal/tgfake). They prove the adapter and the client
// carry what the core relies on: every method of conn (home, dc,
// connected; channels.getChannels, channels.getMessages, upload.getFile),
// Telegram's errors as gotd decodes them (FILE_MIGRATE, an expired file
// reference, FLOOD_WAIT, CHANNEL_INVALID), and what only the client does
// (login, sessions, waiting out a short FLOOD_WAIT, reconnecting after a
// dropped connection). The core's own behaviour is tested over the
// in-memory Telegram (core_test.go).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// checkFakeRange reads first..last of f and fails t unless it is content's.
func checkFakeRange(t *testing.T, svc *Service, f *File, content tgfake.Content, first, last int64) {
	t.Helper()
	got, err := readRange(context.Background(), svc, f, first, last)
	if err != nil {
		t.Fatalf("range %d-%d: %v", first, last, err)
	}
	if !bytes.Equal(got, tgfake.ReadRange(t, content, first, last)) {
		t.Fatalf("range %d-%d: %d bytes, not the file's", first, last, len(got))
	}
}

// TestIntegration runs its cases in order over one client (a login and
// a key exchange per DC cost seconds under -race); each case posts its own
// messages and uses up the failures it injects.
func TestIntegration(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, c := range []struct {
		name string
		test func(t *testing.T, e *env)
	}{
		{"ranges are byte-exact", integrationRanges},
		{"resolve errors", integrationResolveErrors},
		{"file reference expired mid-stream", integrationFileReference},
		{"file migrate", integrationFileMigrate},
		{"dropped connection is retried", integrationDroppedConnection},
		{"flood wait", integrationFloodWait}, // last: the client learns a lower rate from it
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, e) })
	}
}

func integrationRanges(t *testing.T, e *env) {
	home := tgfake.Pattern(1, 5*mib+12345)
	other := tgfake.Pattern(2, 3*mib+77)
	photo := tgfake.Pattern(3, 700*1024+5)
	files := []struct {
		name    string
		media   *tgfake.Media
		content tgfake.Content
		kind    Kind
	}{
		{"home-DC document", &tgfake.Media{Kind: "document", Name: "home.bin", MIMEType: "application/octet-stream", Content: home}, home, KindDocument},
		{"other-DC document", &tgfake.Media{Kind: "video", Name: "other.mp4", MIMEType: "video/mp4", Content: other, DC: 4}, other, KindVideo},
		{"photo", &tgfake.Media{Kind: "photo", Content: photo, Width: 1280, Height: 720}, photo, KindPhoto},
	}
	for i, tf := range files {
		t.Run(tf.name, func(t *testing.T) {
			f, _ := e.add(t, fmt.Sprintf("code-%d", i), tf.media)
			size := tf.content.Size()
			if f.Size != size || f.Kind != tf.kind {
				t.Fatalf("resolved size %d kind %s, want %d %s", f.Size, f.Kind, size, tf.kind)
			}
			// The edges of the parts and of the file, and two ranges off
			// every edge; core_test.go reads many more in memory.
			ranges := [][2]int64{
				{0, 0}, {1023, 1025}, {mib - 1, mib + 1}, {size - 1025, size - 1}, {0, size - 1},
				{12345, 12345 + 2*mib}, {size / 3, size/2 + 777},
			}
			for _, r := range ranges {
				if r[0] >= 0 && r[1] < size {
					checkFakeRange(t, e.svc, f, tf.content, r[0], r[1])
				}
			}
		})
	}
	if !e.svc.Connected() {
		t.Error("not connected after reading")
	}
	if h := e.svc.Health(context.Background()); h.Class != HealthOK {
		t.Errorf("health %+v, want ok", h)
	}
}

func integrationResolveErrors(t *testing.T, e *env) {
	text := e.fake.AddMessage("just text", nil)
	gone := e.fake.AddMessage("gone", &tgfake.Media{Kind: "document", Name: "x", Content: tgfake.Pattern(1, 10)})
	e.fake.DeleteMessage(gone)
	ctx := context.Background()
	for _, tt := range []struct {
		id   int
		want error
	}{
		{text, ErrNoMedia},
		{gone, ErrMessageNotFound},
	} {
		if _, err := e.svc.Resolve(ctx, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("Resolve(%d) = %v, want %v", tt.id, err, tt.want)
		}
	}
	wrongChannel := New(e.client, Options{ChannelID: 777})
	if _, err := wrongChannel.Resolve(ctx, text); !errors.Is(err, ErrChannelUnreachable) {
		t.Errorf("wrong channel: %v, want ErrChannelUnreachable", err)
	}
}

// TestIntegrationLogin: the client logs in once however many first calls
// need it, and not at all with a session.
func TestIntegrationLogin(t *testing.T) {
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

	session, err := e.client.ExportSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	logins := e.fake.Logins()
	second := newClient(t, e.fake, session)
	svc := New(second, Options{ChannelID: tgfake.DefaultChannelID})
	if _, err := svc.Resolve(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Logins() - logins; n != 0 {
		t.Errorf("a client with a session logged in %d times", n)
	}
}

func integrationFloodWait(t *testing.T, e *env) {
	content := tgfake.Pattern(9, 2*mib)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})

	t.Run("short is waited out by the client", func(t *testing.T) {
		before := e.fake.Calls(tg.UploadGetFileRequestTypeID)
		e.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_1"), 1)
		start := time.Now()
		checkFakeRange(t, e.svc, f, content, 0, 2*mib-1)
		if time.Since(start) < time.Second {
			t.Errorf("finished in %s: the flood wait was not honoured", time.Since(start))
		}
		if n := e.fake.Calls(tg.UploadGetFileRequestTypeID) - before; n != 2+1 {
			t.Errorf("%d getFile calls for 2 parts and one FLOOD_WAIT, want 3", n)
		}
	})
	t.Run("long is returned typed", func(t *testing.T) {
		e.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_120"), 1)
		_, err := readRange(context.Background(), e.svc, f, 0, 10)
		var fw *FloodWaitError
		if !errors.As(err, &fw) || fw.Wait != 120*time.Second {
			t.Fatalf("got %v, want FloodWaitError of 120s", err)
		}
	})
}

func integrationFileReference(t *testing.T, e *env) {
	svc := New(e.client, Options{ChannelID: tgfake.DefaultChannelID, Window: 2})
	content := tgfake.Pattern(5, 6*mib)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	r, err := svc.Open(context.Background(), f, 0, content.Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, mib)
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

func integrationFileMigrate(t *testing.T, e *env) {
	content := tgfake.Pattern(6, 2*mib+3)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content, DC: 4})
	// Pretend we believed the file lived on the home DC: Telegram answers
	// FILE_MIGRATE_4 and the reader moves to DC 4's pool.
	wrong := *f
	wrong.DC = e.fake.HomeDC()
	checkFakeRange(t, e.svc, NewFile(wrong, f.Location()), content, 0, content.Size()-1)
}

func integrationDroppedConnection(t *testing.T, e *env) {
	content := tgfake.Pattern(7, 3*mib)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	e.fake.DropNext(tg.UploadGetFileRequestTypeID, 1)
	checkFakeRange(t, e.svc, f, content, 0, content.Size()-1)
}
