package stream_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/stream"
)

// TestCloseBoundedByDeadline: after a freeze in which the connection to
// Telegram died silently (a thawed Lambda), a read that
// ends at its request's deadline must also close by then. gotd answers a
// cancelled call only after it has dropped it on the server (up to 15 s,
// on a connection that no longer answers), so Close must not wait for the
// fetches past the deadline; their budget comes back once they end.
func TestCloseBoundedByDeadline(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{Window: 4}})
	content := tgfake.Pattern(11, 8*MiB)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content})
	if _, err := readRange(context.Background(), e.svc, f, 0, 1023); err != nil {
		t.Fatal(err) // the connection is up and warm
	}

	e.fake.SilenceConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	frozen := time.Now()
	r, err := e.svc.Open(ctx, f, 0, content.Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(r)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read during the freeze: %v, want the deadline", err)
	}
	r.Close()
	// The fetches' drops wait up to 15 s: well before that, Close is back.
	if took := time.Since(frozen); took > 10*time.Second {
		t.Errorf("Close returned %s after the read began, with a 2 s deadline", took)
	}
	// The fetches end when gotd gives up the drops; then their budget
	// comes back.
	waitNoReaderGoroutines(t, 40*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for e.svc.BufferInUse() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes of buffer budget still held after the fetches ended", e.svc.BufferInUse())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
