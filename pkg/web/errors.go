package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/filetolink/filetolink/pkg/httpresponse"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/templates"
)

// httpError is an answer other than success: a status, the one-line reason
// the client reads, and the class the log line names.
type httpError struct {
	status     int
	reason     string
	retryAfter time.Duration // > 0: sent as Retry-After
	class      failClass
	err        error // the cause, logged; never sent
	// contentRange, if set, is sent as Content-Range (416: "bytes */SIZE").
	contentRange string
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
var errClientGone = &httpError{status: 0, reason: "client went away", class: classClientGone}

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
			class:      classNoSession,
			err:        err,
		}
	case errors.As(err, &flood):
		return &httpError{
			status:     http.StatusServiceUnavailable,
			reason:     "telegram asks to wait " + retrySeconds(flood.Wait) + "s; retry later",
			retryAfter: flood.Wait,
			class:      classFloodWait,
			err:        err,
		}
	case errors.Is(err, stream.ErrMessageNotFound):
		return &httpError{status: http.StatusNotFound, reason: "message not found", class: classNotFound, err: err}
	case errors.Is(err, stream.ErrNoMedia):
		return &httpError{status: http.StatusNotFound, reason: "message has no downloadable media", class: classNoMedia, err: err}
	case errors.Is(err, stream.ErrUnsupportedMedia):
		return &httpError{status: http.StatusBadRequest, reason: "unsupported media", class: classUnsupported, err: err}
	case errors.Is(err, stream.ErrBusy):
		return &httpError{status: http.StatusServiceUnavailable, reason: "server busy; retry shortly", retryAfter: retryBusy, class: classBusy, err: err}
	case errors.Is(err, stream.ErrChannelUnreachable):
		return &httpError{status: http.StatusServiceUnavailable, reason: "log channel not reachable", retryAfter: retryUnreachable, class: classChannel, err: err}
	case errors.Is(err, stream.ErrUnavailable), errors.Is(err, stream.ErrShortRead):
		return &httpError{status: http.StatusServiceUnavailable, reason: "telegram unavailable; retry later", retryAfter: retryUnavailable, class: classUnavailable, err: err}
	case errors.Is(err, context.DeadlineExceeded), ctx.Err() == context.DeadlineExceeded:
		return &httpError{status: http.StatusGatewayTimeout, reason: "telegram did not answer in time", class: classTimeout, err: err}
	case errors.Is(err, context.Canceled):
		return errClientGone
	}
	// Anything else is a failure behind this layer, not the client's; an
	// error Telegram gave that package stream does not know comes as
	// ErrUnavailable above. Both are a 503 to retry, one answer for
	// "unknown" (README: API).
	return &httpError{status: http.StatusServiceUnavailable, reason: "telegram request failed; retry later", retryAfter: retryUnavailable, class: classUpstream, err: err}
}

// errRangeNotSatisfiable is the 416 for a file of size bytes.
func errRangeNotSatisfiable(size int64) *httpError {
	return &httpError{
		status:       http.StatusRequestedRangeNotSatisfiable,
		reason:       fmt.Sprintf("range not satisfiable: the file has %d bytes (offsets 0-%d)", size, size-1),
		class:        classRange,
		contentRange: "bytes */" + strconv.FormatInt(size, 10),
	}
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

// writeError is the one place an error answer is written. A browser
// navigation (the address bar, a link) gets an HTML page in the player's
// style with the reason and what to do; any other client the one-line
// text/plain reason. Either way no cache keeps it, and the class is
// recorded for the log line. A status of 0 sends nothing.
func writeError(w http.ResponseWriter, r *http.Request, e *httpError) {
	info := infoFrom(r.Context())
	info.class = e.class
	info.err = e.err
	if e.status == 0 {
		return
	}
	h := w.Header()
	dropFileHeaders(h)
	if e.contentRange != "" {
		h.Set("Content-Range", e.contentRange)
	}
	httpresponse.SetText(h)
	if e.retryAfter > 0 {
		h.Set("Retry-After", retrySeconds(e.retryAfter))
	}
	body := []byte(e.reason + "\n")
	if page, ok := errorPage(r, e); ok {
		body = page
		setPageHeaders(h, "")
	}
	writeBody(w, r, e.status, body)
}

// errorPage renders error.html for a browser navigation; ok is false for
// other requests (and if the page cannot be rendered: the text is sent).
func errorPage(r *http.Request, e *httpError) (page []byte, ok bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || !isNavigation(r) {
		return nil, false
	}
	data := templates.Error{Status: e.status, Title: http.StatusText(e.status), Reason: e.reason, Hint: e.class.hint()}
	if e.retryAfter > 0 {
		data.RetryAfter = retrySeconds(e.retryAfter)
	}
	var buf bytes.Buffer
	if err := templates.Pages.ExecuteTemplate(&buf, "error.html", data); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}
