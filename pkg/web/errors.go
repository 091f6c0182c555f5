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
	class      string
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
	// Anything else is a failure behind this layer, not the client's; an
	// error Telegram gave that package stream does not know comes as
	// ErrUnavailable above. Both are a 503 to retry, one answer for
	// "unknown" (README: API).
	return &httpError{status: http.StatusServiceUnavailable, reason: "telegram request failed; retry later", retryAfter: retryUnavailable, class: "upstream", err: err}
}

// errRangeNotSatisfiable is the 416 for a file of size bytes.
func errRangeNotSatisfiable(size int64) *httpError {
	return &httpError{
		status:       http.StatusRequestedRangeNotSatisfiable,
		reason:       fmt.Sprintf("range not satisfiable: the file has %d bytes (offsets 0-%d)", size, size-1),
		class:        "range",
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
	data := templates.Error{Status: e.status, Title: http.StatusText(e.status), Reason: e.reason, Hint: errorHints[e.class]}
	if e.retryAfter > 0 {
		data.RetryAfter = retrySeconds(e.retryAfter)
	}
	var buf bytes.Buffer
	if err := templates.Pages.ExecuteTemplate(&buf, "error.html", data); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// errorHints say what a person who followed a link can do, by the class
// of every failure that can reach a page (all but "method", never a GET,
// and "client_gone", never answered); TestEveryClassHasAHint holds it so.
var errorHints = map[string]string{
	"bad_id":              "The link is damaged: the number after /dl/ or /stream/ is the file's message id. Copy the whole link again.",
	"no_code":             "The link lacks its code (?code=…). Copy the whole link again, exactly as it was sent.",
	"wrong_code":          "The code in the link does not match the file. Copy the whole link again, exactly as it was sent.",
	"bad_signature":       "The link is damaged or was changed (its expiry and signature belong together). Copy the whole link again, exactly as it was sent.",
	"expired":             "The sender made this link to work for a limited time only, and that time is over. Ask them for a new link.",
	"rate_limited":        "Too many incomplete or wrong links came from your network. Wait a while, then open the complete link.",
	"not_found":           "The file is not in the channel (any more). Ask the sender for a new link.",
	"no_media":            "That message holds no file. Ask the sender for a new link.",
	"unsupported":         "This kind of media cannot be served as a link.",
	"route":               "Check the address: links look like /dl/123?code=… or /stream/123?code=….",
	"range":               "The part of the file asked for lies beyond its end. Reload the page or download the whole file.",
	"flood_wait":          "Telegram asks this server to slow down. Try again later.",
	"no_session":          "The server is waiting for Telegram to let it log in again. Try again later.",
	"over_cap":            "The file is larger than this server may send at once: the reason above says how to fetch it in parts.",
	"busy":                "The server is busy. Try again in a moment.",
	"streams_full":        "The server is busy. Try again in a moment.",
	"client_streams_full": "Your network is already downloading as many files from this server as it may at once. Try again when one has finished.",
	"body_on_read":        "The request carried a body, which a GET or HEAD must not. Open the link again in a browser or with curl.",
	"unavailable":         "Telegram is not answering right now. Try again in a moment.",
	"upstream":            "Telegram is not answering right now. Try again in a moment.",
	"channel":             "The server cannot read its Telegram channel; its operator has been told on the status page.",
	"timeout":             "Telegram took too long. Try again.",
	"panic":               "Something went wrong on the server. Try again; if it keeps failing, tell the site's operator.",
	"template":            "Something went wrong on the server. Try again; if it keeps failing, tell the site's operator.",
	"json":                "Something went wrong on the server. Try again; if it keeps failing, tell the site's operator.",
}
