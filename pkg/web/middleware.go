package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/filetolink/filetolink/pkg/httpresponse"
)

// requestInfo is what handlers tell the log line about their request.
type requestInfo struct {
	route     string    // the route pattern, never the raw URL (its query holds the code)
	messageID int       // the valid message id of /dl or /stream, 0 if none
	class     failClass // the class of a failure, classNone on success
	err       error     // its cause
}

type infoKey struct{}

// infoFrom returns the requestInfo of ctx; a throwaway one if there is
// none, so handlers work outside New's middleware too.
func infoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// withLog writes one line per request: method, route, the message id, the
// range asked (the Range header, at most maxLoggedRange bytes), status,
// body bytes sent, duration and the class of a failure. It never logs the
// URL's query (the code) or any other header.
func (s *server) withLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{route: "unknown"}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))

		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", info.route),
		}
		if info.messageID > 0 {
			attrs = append(attrs, slog.Int("id", info.messageID))
		}
		if rng := r.Header.Get("Range"); rng != "" {
			if len(rng) > maxLoggedRange {
				rng = rng[:maxLoggedRange] + "…"
			}
			attrs = append(attrs, slog.String("range", rng))
		}
		attrs = append(attrs,
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
		)
		level := slog.LevelInfo
		if info.class != classNone {
			attrs = append(attrs, slog.String("error", info.class.String()))
			if info.err != nil {
				attrs = append(attrs, slog.String("cause", info.err.Error()))
			}
			if rec.status >= 500 || rec.status == 0 {
				level = slog.LevelWarn
			}
		}
		if rec.status == 0 {
			// Nothing was sent: the client went away first.
			attrs = append(attrs, slog.Bool("client_gone", true))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// maxLoggedRange bounds the Range header in a log line.
const maxLoggedRange = 100

// recorder remembers the status and counts the body bytes.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRecover turns a panic into a logged 500 (or an aborted response when
// the headers are gone). Defence in depth: no input is meant to get here.
// http.ErrAbortHandler passes through, as net/http expects.
func (s *server) withRecover(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			httpresponse.LogPanic(s.log, r, v, "route", infoFrom(r.Context()).route)
			if rec.status != 0 {
				// Part of the answer is out: only cutting it off is honest.
				panic(http.ErrAbortHandler)
			}
			writeError(rec, r, &httpError{status: http.StatusInternalServerError, reason: "internal error", class: classPanic})
		}()
		h.ServeHTTP(rec, r)
	})
}

// withTimeout bounds each request by d (0: no bound), for platforms whose
// request context has no deadline.
func withTimeout(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// bodyReadTimeout bounds reading a request body (the webhook's update is
// a few KiB).
const bodyReadTimeout = 10 * time.Second

// errBodyOnRead answers a GET, HEAD or OPTIONS that announces a body.
var errBodyOnRead = &httpError{status: http.StatusBadRequest, reason: "a GET, HEAD or OPTIONS request has no body", class: classBodyOnRead}

// withBodyRules keeps a request from holding its connection (and, on /dl,
// a stream slot) by announcing a body it never sends:
//
//   - GET, HEAD and OPTIONS with a body (a Content-Length other than 0, or
//     chunked) get 400 and the connection is closed without waiting for the
//     body. RFC 9110 gives such a body no meaning; rejecting it, rather than
//     ignoring it, is the only way not to read it, since the unread bytes
//     would otherwise be taken for the next request on the connection.
//   - Any other body must arrive within bodyReadTimeout; once it has been
//     read to its end the deadline is lifted (a deadline left on the
//     connection would cancel the request when it passed).
//
// A writer without read deadlines (serverless adapters) is left as it is:
// those platforms read the body before the handler runs.
func withBodyRules(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			w.Header().Set("Connection", "close")
			// net/http reads an unread body before it reuses or closes
			// the connection: a deadline in the past ends that read.
			_ = rc.SetReadDeadline(time.Unix(1, 0))
			writeError(w, r, errBodyOnRead)
			return
		}
		if rc.SetReadDeadline(time.Now().Add(bodyReadTimeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the connection's read deadline once the body is read.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// withWebhookLimit counts the webhook's 401s (a wrong or missing secret
// token) per client address, with the budget of wrong codes; at the limit
// the address gets 429 before its secret is looked at, until the window
// ends, so the answer tells a guesser nothing more. Telegram sends the
// right secret: only guessers and a webhook set with an old secret get
// there.
func (s *server) withWebhookLimit(h http.Handler) http.Handler {
	if s.webhookFailures == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientKey(r, s.ipHeader)
		if wait, blocked := s.webhookFailures.Blocked(client); blocked {
			writeError(w, r, &httpError{status: http.StatusTooManyRequests, reason: "too many wrong webhook secrets from your address; retry later",
				retryAfter: wait, class: classRateLimited})
			return
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusUnauthorized {
			s.webhookFailures.Add(client)
		}
	})
}
