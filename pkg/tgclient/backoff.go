package tgclient

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

// reconnectCalm is how long a connection must have stayed up for its next
// drop to be redialled from the shortest interval again.
const reconnectCalm = 30 * time.Second

// reconnectBackoff is gotd's reconnection backoff (100 ms growing 1.5× up to
// 5 s, never giving up) that starts over after a calm spell. gotd makes one
// backoff per client and never resets it, so after a few drops over a
// process's life every later drop waited up to 5 s (7.5 s with jitter)
// before its first redial, however long the connection had been up. The
// library's ExponentialBackOff does the arithmetic; this only adds the
// reset.
type reconnectBackoff struct {
	*backoff.ExponentialBackOff
	last time.Time // the previous NextBackOff
}

func newReconnectBackoff() backoff.BackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 100 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	b.MaxElapsedTime = 0
	return &reconnectBackoff{ExponentialBackOff: b}
}

// NextBackOff is called once per failed attempt, one at a time.
func (b *reconnectBackoff) NextBackOff() time.Duration {
	now := b.Clock.Now()
	if !b.last.IsZero() && now.Sub(b.last) >= reconnectCalm {
		b.Reset()
	}
	b.last = now
	return b.ExponentialBackOff.NextBackOff()
}
