package fixedwindow

import (
	"strconv"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[string](2, time.Minute, func() time.Time { return now })
	c.Add("a")
	if _, b := c.Blocked("a"); b {
		t.Fatal("blocked after 1 of 2")
	}
	now = now.Add(10 * time.Second)
	c.Add("a")
	wait, b := c.Blocked("a")
	if !b || wait != 50*time.Second {
		t.Fatalf("blocked %v, wait %v; want true, 50s", b, wait)
	}
	now = now.Add(50 * time.Second)
	if _, b := c.Blocked("a"); b {
		t.Error("still blocked after the window")
	}
	if c.Len() != 0 {
		t.Errorf("%d keys remembered after expiry", c.Len())
	}
}

func TestAllow(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[int64](2, time.Minute, func() time.Time { return now })
	for i, want := range []bool{true, true, false} {
		if ok, _ := c.Allow(1); ok != want {
			t.Errorf("event %d: %v, want %v", i, ok, want)
		}
	}
	if ok, _ := c.Allow(2); !ok {
		t.Error("another key is limited")
	}
	now = now.Add(30 * time.Second)
	if ok, wait := c.Allow(1); ok || wait != 30*time.Second {
		t.Errorf("within the window: %v, wait %s", ok, wait)
	}
	now = now.Add(30 * time.Second)
	if ok, _ := c.Allow(1); !ok {
		t.Error("a new window is still limited")
	}
	if ok, wait := New[int64](0, time.Minute, nil).Allow(1); ok || wait != time.Minute {
		t.Errorf("limit 0: %v, wait %s; want false, 1m", ok, wait)
	}
}

func TestBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[string](1, time.Minute, func() time.Time { return now })
	for i := range MaxKeys + 500 {
		c.Add(strconv.Itoa(i))
	}
	if n := c.Len(); n > MaxKeys {
		t.Errorf("%d keys remembered, bound %d", n, MaxKeys)
	}
	// Expired windows are dropped first.
	now = now.Add(2 * time.Minute)
	c.Add("new")
	if n := c.Len(); n > MaxKeys {
		t.Errorf("%d keys after expiry, bound %d", n, MaxKeys)
	}
	if _, b := c.Blocked("new"); !b {
		t.Error("new key not counted")
	}
	if _, b := c.Blocked("0"); b {
		t.Error("an expired key still blocked")
	}
}

// TestKeepsBlocked: a flood of new keys (IPv6 prefixes, say) evicts keys
// below the limit, not those at it.
func TestKeepsBlocked(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[string](3, time.Minute, func() time.Time { return now })
	for range 3 {
		c.Add("abuser")
	}
	for i := range 5 * MaxKeys {
		c.Add(strconv.Itoa(i))
	}
	if _, b := c.Blocked("abuser"); !b {
		t.Error("a blocked key was forgotten after a flood of new keys")
	}
	if n := c.Len(); n > MaxKeys {
		t.Errorf("%d keys remembered, bound %d", n, MaxKeys)
	}
}

// BenchmarkFull is the cost of a new key when the counter is full of open
// windows.
func BenchmarkFull(b *testing.B) {
	now := time.Unix(1000, 0)
	c := New[string](30, time.Minute, func() time.Time { return now })
	for i := range MaxKeys {
		c.Add("seed" + strconv.Itoa(i))
	}
	b.ResetTimer()
	for i := range b.N {
		c.Add(strconv.Itoa(i))
	}
}
