package sessions

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrLeaseLost: another instance holds the session now, or it was
	// removed. Nothing may be sent on its key any more.
	ErrLeaseLost = errors.New("session lease lost")
	// ErrStoreUnreachable: the store did not answer.
	ErrStoreUnreachable = errors.New("session store unreachable")
)

// UnavailableError says why no session can be had now and when to ask
// again. Its Reason is one line for clients and operators (no secret).
type UnavailableError struct {
	Reason string
	Wait   time.Duration
	Err    error // the cause, if any
}

func (e *UnavailableError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("no telegram session: %s: %v", e.Reason, e.Err)
	}
	return "no telegram session: " + e.Reason
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// RetryAfter is how long a client should wait before asking again.
func (e *UnavailableError) RetryAfter() time.Duration { return e.Wait }

// PublicReason is the one-line reason a client may read.
func (e *UnavailableError) PublicReason() string { return "no telegram session free: " + e.Reason }
