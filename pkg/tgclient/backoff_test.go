package tgclient

import (
	"testing"
	"time"
)

type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }

// TestReconnectBackoffStartsOverAfterCalm: failures in a row grow the wait
// to gotd's 5 s ceiling; a drop after a connection stayed up for
// reconnectCalm is redialled from the shortest wait again.
func TestReconnectBackoffStartsOverAfterCalm(t *testing.T) {
	b := newReconnectBackoff().(*reconnectBackoff)
	clock := &stepClock{now: time.Unix(1e9, 0)}
	b.Clock = clock
	b.Reset()
	var d time.Duration
	for range 20 { // failures a second apart
		clock.now = clock.now.Add(time.Second)
		d = b.NextBackOff()
	}
	if d < 2500*time.Millisecond { // 5 s ± 50 %
		t.Fatalf("after 20 failures in a row the wait is %s, want the 5 s ceiling", d)
	}
	clock.now = clock.now.Add(reconnectCalm) // up for reconnectCalm, then dropped
	if d = b.NextBackOff(); d > 150*time.Millisecond {
		t.Errorf("the first wait after a calm spell is %s, want 100 ms ± 50 %%", d)
	}
	clock.now = clock.now.Add(reconnectCalm - time.Second) // not calm long enough
	if d2 := b.NextBackOff(); d2 < 75*time.Millisecond || d2 > 225*time.Millisecond {
		t.Errorf("the second wait is %s, want 150 ms ± 50 %% (growing again, not reset)", d2)
	}
}
