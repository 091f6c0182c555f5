package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/filetolink/filetolink/pkg/stream"
)

// httpError is an answer other than success: a status, the one-line reason
// the client reads, and the class the log line names.
type httpError struct {
	status     int
	reason     string
	retryAfter time.Duration // > 0: sent as Retry-After
	class      string
	err        error // the cause, logged; never sent
}

func (e *httpError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.reason, e.err)
	}
	return fmt.Sprintf("%d %s", e.status, e.reason)
}

func (e *httpError) Unwrap() error { return e.err }

// Retry-After values for the 503s that carry no wait of their own.
const (
	retryBusy        = 1 * time.Second
	retryUnavailable = 5 * time.Second
	retryUnreachable = 30 * time.Second
)

// errClientGone is the answer to a client that went away: none.
var errClientGone = &httpError{status: 0, reason: "client went away", class: "client_gone"}

// statusForError maps an error from Files (or a context) to the answer.
// It is the only place that decides the status of a failure; a client
// that went away gets errClientGone.
func statusForError(ctx context.Context, err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	// A client that went away gets no answer, whatever the error says.
	if ctx.Err() == context.Canceled {
		return errClientGone
	}
	var flood *stream.FloodWaitError
	var later retryLater
	switch {
	case errors.As(err, &later):
		// No Telegram session free (the session pool's login budget or a
		// login block): the reason is written for clients by its owner.
		return &httpError{
			status:     http.StatusServiceUnavailable,
			reason:     later.PublicReason() + "; retry later",
			retryAfter: max(later.RetryAfter(), time.Second),
			class:      "no_session",
			err:        err,
		}
	case errors.As(err, &flood):
		return &httpError{
			status:     http.StatusServiceUnavailable,
			reason:     "telegram asks to wait " + retrySeconds(flood.Wait) + "s; retry later",
			retryAfter: flood.Wait,
			class:      "flood_wait",
			err:        err,
		}
	case errors.Is(err, stream.ErrMessageNotFound):
		return &httpError{status: http.StatusNotFound, reason: "message not found", class: "not_found", err: err}
	case errors.Is(err, stream.ErrNoMedia):
		return &httpError{status: http.StatusNotFound, reason: "message has no downloadable media", class: "no_media", err: err}
	case errors.Is(err, stream.ErrUnsupportedMedia):
		return &httpError{status: http.StatusBadRequest, reason: "unsupported media", class: "unsupported", err: err}
	case errors.Is(err, stream.ErrBusy):
		return &httpError{status: http.StatusServiceUnavailable, reason: "server busy; retry shortly", retryAfter: retryBusy, class: "busy", err: err}
	case errors.Is(err, stream.ErrChannelUnreachable):
		return &httpError{status: http.StatusServiceUnavailable, reason: "log channel not reachable", retryAfter: retryUnreachable, class: "channel", err: err}
	case errors.Is(err, stream.ErrUnavailable), errors.Is(err, stream.ErrShortRead):
		return &httpError{status: http.StatusServiceUnavailable, reason: "telegram unavailable; retry later", retryAfter: retryUnavailable, class: "unavailable", err: err}
	case errors.Is(err, context.DeadlineExceeded), ctx.Err() == context.DeadlineExceeded:
		return &httpError{status: http.StatusGatewayTimeout, reason: "telegram did not answer in time", class: "timeout", err: err}
	case errors.Is(err, context.Canceled):
		return errClientGone
	}
	// Anything else is a failure behind this layer, not the client's.
	return &httpError{status: http.StatusBadGateway, reason: "telegram request failed", class: "upstream", err: err}
}

// retryLater is an error that knows when to ask again and says why in one
// line fit for a client (sessions.UnavailableError).
type retryLater interface {
	error
	RetryAfter() time.Duration
	PublicReason() string
}

// retrySeconds renders d as whole seconds for Retry-After: rounded up, at
// least 1.
func retrySeconds(d time.Duration) string {
	s := math.Ceil(d.Seconds())
	if s < 1 || math.IsNaN(s) {
		s = 1
	}
	return strconv.FormatInt(int64(s), 10)
}

// writeError sends e as a one-line text/plain body (none for HEAD) that
// no cache keeps, and records its class for the log line. A status of 0
// sends nothing.
func writeError(w http.ResponseWriter, r *http.Request, e *httpError) {
	info := infoFrom(r.Context())
	info.class = e.class
	info.err = e.err
	if e.status == 0 {
		return
	}
	h := w.Header()
	for _, k := range []string{"Content-Disposition", "Content-Range", "Content-Encoding", "ETag", "Last-Modified", "Accept-Ranges", "Content-Security-Policy"} {
		h.Del(k)
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if e.retryAfter > 0 {
		h.Set("Retry-After", retrySeconds(e.retryAfter))
	}
	body := e.reason + "\n"
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}
