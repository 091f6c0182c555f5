package tgclient

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tgerr"
)

// scriptedInvoker answers each call with the next error of a script.
type scriptedInvoker struct {
	errs  []error
	calls int
}

func (s *scriptedInvoker) Invoke(ctx context.Context, _ bin.Encoder, _ bin.Decoder) error {
	s.calls++
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return err
}

func TestWaitFlood(t *testing.T) {
	flood := func(sec int) error { return tgerr.New(420, "FLOOD_WAIT_"+itoa(sec)) }
	tests := []struct {
		name      string
		budget    time.Duration
		script    []error
		wantCalls int
		wantFlood bool
	}{
		{"no error", time.Second, nil, 1, false},
		{"short wait retried", 2 * time.Second, []error{flood(1)}, 2, false},
		{"beyond budget returned", 2 * time.Second, []error{flood(3)}, 1, true},
		{"budget is for all waits together", 1500 * time.Millisecond, []error{flood(1), flood(1)}, 2, true},
		{"other errors untouched", time.Second, []error{tgerr.New(400, "LIMIT_INVALID")}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &scriptedInvoker{errs: tt.script}
			err := (&floodWaitInvoker{next: inv, budget: tt.budget}).Invoke(context.Background(), nil, nil)
			if inv.calls != tt.wantCalls {
				t.Errorf("%d calls, want %d", inv.calls, tt.wantCalls)
			}
			if _, ok := tgerr.AsFloodWait(err); ok != tt.wantFlood {
				t.Errorf("err %v, want flood wait %v", err, tt.wantFlood)
			}
		})
	}
}

func TestWaitFloodStopsOnCancel(t *testing.T) {
	inv := &scriptedInvoker{errs: []error{tgerr.New(420, "FLOOD_WAIT_2")}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := (&floodWaitInvoker{next: inv, budget: 5 * time.Second}).Invoke(ctx, nil, nil)
	if time.Since(start) > time.Second || err == nil {
		t.Errorf("took %s, err %v", time.Since(start), err)
	}
}

func TestDeadlineInvoker(t *testing.T) {
	blocked := invokerFunc(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	err := (&deadlineInvoker{next: blocked, timeout: 20 * time.Millisecond}).Invoke(context.Background(), nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

func TestParsePublicKeysRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "hello", "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"} {
		if _, err := ParsePublicKeys([]byte(in)); err == nil {
			t.Errorf("ParsePublicKeys(%q) accepted", in)
		}
	}
}

type invokerFunc func(ctx context.Context) error

func (f invokerFunc) Invoke(ctx context.Context, _ bin.Encoder, _ bin.Decoder) error { return f(ctx) }

func itoa(n int) string {
	return string(rune('0' + n))
}
