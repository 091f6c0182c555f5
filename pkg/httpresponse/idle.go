package httpresponse

import (
	"errors"
	"io"
	"sync"
	"time"
)

// WriteIdleTimeout is how long one write of a response body may wait for
// the client to take its bytes before the response is aborted: the plain
// server's (web.WriteIdleTimeout) and Lambda streaming's bound on a client
// that stops reading. Any real client takes a write's bytes in well under
// it; a stalled one would otherwise hold its Telegram streams, and on
// Lambda a billed invocation, until the platform's deadline.
const WriteIdleTimeout = 30 * time.Second

// ErrStalled ends a response whose client took no bytes for the idle bound.
var ErrStalled = errors.New("client took no bytes within the write idle timeout; response aborted")

// IdleWriter bounds each Write to an io.Writer that may block for as long
// as its reader does (an io.Pipe the Lambda runtime drains). Hand-written:
// a blocking io.Writer has no deadline of its own, so a timer calls abort,
// which must make the blocked Write return (close the pipe).
type IdleWriter struct {
	w       io.Writer
	d       time.Duration
	t       *time.Timer
	once    sync.Once
	stalled chan struct{} // closed when abort has been called
}

// NewIdleWriter returns w with each Write bounded by d; abort is called
// once, from the timer's goroutine, when a Write has not returned within
// d. Stop must be called when the writer is done with.
func NewIdleWriter(w io.Writer, d time.Duration, abort func()) *IdleWriter {
	iw := &IdleWriter{w: w, d: d, stalled: make(chan struct{})}
	iw.t = time.AfterFunc(d, func() {
		iw.once.Do(func() {
			close(iw.stalled)
			abort()
		})
	})
	iw.t.Stop()
	return iw
}

// Write writes p, failing with ErrStalled once the bound has fired.
func (w *IdleWriter) Write(p []byte) (int, error) {
	if w.Stalled() {
		return 0, ErrStalled
	}
	w.t.Reset(w.d)
	n, err := w.w.Write(p)
	w.t.Stop()
	if w.Stalled() {
		return n, ErrStalled
	}
	return n, err
}

// Stalled reports whether a Write outlived the bound.
func (w *IdleWriter) Stalled() bool {
	select {
	case <-w.stalled:
		return true
	default:
		return false
	}
}

// Stop disarms the timer.
func (w *IdleWriter) Stop() { w.t.Stop() }
