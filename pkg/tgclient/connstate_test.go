package tgclient

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
)

func TestConnStateWait(t *testing.T) {
	const grace = 300 * time.Millisecond
	tests := []struct {
		name    string
		states  []telegram.ConnectionState // reported before the call
		age     time.Duration              // how long ago the last change was
		later   []telegram.ConnectionState // reported 50 ms into the call
		want    error
		atLeast time.Duration // the call returns after at least this
		atMost  time.Duration // and at most this
	}{
		{name: "ready", states: []telegram.ConnectionState{telegram.ConnectionStateConnecting, telegram.ConnectionStateReady},
			want: nil, atMost: 20 * time.Millisecond},
		{name: "connecting, then ready", states: []telegram.ConnectionState{telegram.ConnectionStateConnecting},
			later: []telegram.ConnectionState{telegram.ConnectionStateReady}, want: nil, atLeast: 40 * time.Millisecond, atMost: grace},
		{name: "lost, then back", states: []telegram.ConnectionState{telegram.ConnectionStateReady, telegram.ConnectionStateDisconnected, telegram.ConnectionStateConnecting},
			later: []telegram.ConnectionState{telegram.ConnectionStateReady}, want: nil, atLeast: 40 * time.Millisecond, atMost: grace},
		{name: "lost for longer than the grace", states: []telegram.ConnectionState{telegram.ConnectionStateReady, telegram.ConnectionStateDisconnected},
			age: grace, want: ErrNotConnected, atMost: 20 * time.Millisecond},
		{name: "lost, grace runs out while waiting", states: []telegram.ConnectionState{telegram.ConnectionStateReady, telegram.ConnectionStateDisconnected},
			later: []telegram.ConnectionState{telegram.ConnectionStateConnecting}, want: ErrNotConnected, atLeast: grace - 20*time.Millisecond, atMost: 2 * grace},
		{name: "never connected", states: nil, want: ErrNotConnected, atLeast: grace - 20*time.Millisecond, atMost: 2 * grace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newConnState(grace)
			for _, s := range tt.states {
				l.set(s)
			}
			l.mu.Lock()
			l.downSince = l.downSince.Add(-tt.age)
			l.mu.Unlock()
			if len(tt.later) > 0 {
				timer := time.AfterFunc(50*time.Millisecond, func() {
					for _, s := range tt.later {
						l.set(s)
					}
				})
				defer timer.Stop()
			}
			start := time.Now()
			err := l.wait(context.Background())
			took := time.Since(start)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("wait: %v, want %v", err, tt.want)
			}
			if took < tt.atLeast || took > tt.atMost {
				t.Errorf("wait took %s, want %s to %s", took, tt.atLeast, tt.atMost)
			}
		})
	}
}

func TestConnStateWaitStopsOnCancel(t *testing.T) {
	l := newConnState(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait: %v, want the context's error", err)
	}
}

func TestConnStateInvokerDoesNotCallWhileDown(t *testing.T) {
	l := newConnState(time.Millisecond)
	next := &scriptedInvoker{}
	inv := &waitInvoker{next: next, ready: l.wait}
	time.Sleep(5 * time.Millisecond)
	if err := inv.Invoke(context.Background(), nil, nil); !errors.Is(err, ErrNotConnected) || next.calls != 0 {
		t.Fatalf("down: err %v, %d calls; want ErrNotConnected and none", err, next.calls)
	}
	l.set(telegram.ConnectionStateReady)
	if err := inv.Invoke(context.Background(), nil, nil); err != nil || next.calls != 1 {
		t.Fatalf("ready: err %v, %d calls; want one call", err, next.calls)
	}
}
