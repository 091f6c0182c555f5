package tgclient

import (
	"context"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// chain wraps an invoker in the policies every call goes through, outer
// first: flood waits within budget are waited out; getFile calls keep to
// the DC's adaptive rate (their wait is not part of the deadline); each
// attempt has a deadline.
func chain(next tg.Invoker, opts Options, limit *rateLimiter) tg.Invoker {
	return &floodWaitInvoker{
		next: &rateInvoker{
			next:  &deadlineInvoker{next: next, timeout: opts.RPCTimeout},
			limit: limit,
		},
		budget: opts.FloodWaitBudget,
	}
}

// waitInvoker makes every call wait for ready first (the connection to be up,
// the lease to be held) and fail with its error instead.
type waitInvoker struct {
	next  tg.Invoker
	ready func(context.Context) error
}

func (w *waitInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	if err := w.ready(ctx); err != nil {
		return err
	}
	return w.next.Invoke(ctx, input, output)
}

// deadlineInvoker bounds one call, so that a dead connection (a thawed
// Lambda, a dropped socket) is noticed and the call can be retried.
type deadlineInvoker struct {
	next    tg.Invoker
	timeout time.Duration
}

func (d *deadlineInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	return d.next.Invoke(ctx, input, output)
}

// floodWaitInvoker waits out FLOOD_WAITs that fit in the budget (all of them
// together, per call) and returns longer ones to the caller.
type floodWaitInvoker struct {
	next   tg.Invoker
	budget time.Duration
}

func (f *floodWaitInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	return waitFlood(ctx, f.budget, func() error { return f.next.Invoke(ctx, input, output) })
}

// maxFloodRetries bounds the retries of one call, whatever the waits.
const maxFloodRetries = 5

func waitFlood(ctx context.Context, budget time.Duration, call func() error) error {
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		err := call()
		d, ok := tgerr.AsFloodWait(err)
		if !ok || attempt >= maxFloodRetries || waited+d > budget {
			return err
		}
		if d <= 0 {
			d = 100 * time.Millisecond
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		waited += d
	}
}
