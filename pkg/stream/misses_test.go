package stream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/stream"
)

// TestUnknownIDs: lookups of ids that do not exist neither evict the files
// people download nor, far beyond the newest message, cost a call each;
// a real message posted far beyond the newest known one is still found.
func TestUnknownIDs(t *testing.T) {
	e := newEnv(t, envOptions{stream: stream.Options{CacheSize: 8}})
	ctx := context.Background()
	var real []int
	for range 8 {
		_, id := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: tgfake.Pattern(1, 10)})
		real = append(real, id)
	}
	getMessages := func() int { return e.fake.Calls(tg.ChannelsGetMessagesRequestTypeID) }

	t.Run("misses do not evict hits", func(t *testing.T) {
		start := getMessages()
		for id := 100; id < 1000; id++ { // near the newest id: looked up
			if _, err := e.svc.Resolve(ctx, id); !errors.Is(err, stream.ErrMessageNotFound) {
				t.Fatalf("id %d: %v", id, err)
			}
		}
		if n := getMessages() - start; n != 900 {
			t.Fatalf("%d getMessages calls for 900 ids near the newest, want 900", n)
		}
		before := getMessages()
		for _, id := range real {
			if _, err := e.svc.Resolve(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		if n := getMessages() - before; n != 0 {
			t.Errorf("%d getMessages calls for %d cached files after 900 misses, want 0", n, len(real))
		}
	})

	t.Run("far ids cost one probe", func(t *testing.T) {
		before := getMessages()
		for id := 1_000_000; id < 1_000_300; id++ {
			if _, err := e.svc.Resolve(ctx, id); !errors.Is(err, stream.ErrMessageNotFound) {
				t.Fatalf("id %d: %v", id, err)
			}
		}
		if n := getMessages() - before; n > 1 {
			t.Errorf("%d getMessages calls for 300 ids far beyond the newest message, want ≤ 1 (a probe)", n)
		}
	})

	t.Run("a real message far beyond is found", func(t *testing.T) {
		var newest int
		for range 3 * 1000 { // far more posts than the slack
			newest = e.fake.AddMessage("t", nil)
		}
		newest = e.fake.AddMessage("c", &tgfake.Media{Kind: "document", Name: "new", Content: tgfake.Pattern(2, 10)})
		start := time.Now()
		for {
			_, err := e.svc.Resolve(ctx, newest)
			if err == nil {
				break
			}
			if !errors.Is(err, stream.ErrMessageNotFound) {
				t.Fatal(err)
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("message %d, posted after 3000 others, still not found after 20s", newest)
			}
			// A flood of far ids competing for the probes.
			for id := 5_000_000; id < 5_000_050; id++ {
				_, _ = e.svc.Resolve(ctx, id)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("found message %d, 3000 posts beyond the newest known, after %s", newest, time.Since(start).Round(time.Millisecond))
	})
}
