package handler

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/filetolink/filetolink/functions/internal/httpresponse"
)

// serve runs h for one Vercel invocation. Vercel's runtime buffers the
// response and sends whatever the handler left in it, with nothing of
// net/http's checks, so serve keeps the answer here first and sends it
// only when it is whole:
//   - a body shorter than its Content-Length (Telegram failed mid-way) or a
//     response the handler aborted becomes a one-line 502, never a
//     response with silently missing bytes;
//   - a panic becomes a one-line 500 (the runtime would end the process);
//   - net/http's rules hold (package httpresponse): the first WriteHeader
//     wins, HEAD, 204 and 304 carry no body, headers are fixed at the
//     status.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	rec := httpresponse.New(r.Method, &body, nil)
	if v := serveRecovering(h, rec, r); v != nil {
		if e, ok := v.(error); ok && errors.Is(e, http.ErrAbortHandler) {
			writeText(w, r, http.StatusBadGateway, "the response broke off; retry")
			return
		}
		slog.Error("panic serving request", "method", r.Method, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		writeText(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	rec.Finish()
	if rec.Short() {
		slog.Warn("response body short of its Content-Length", "method", r.Method, "status", rec.Status(), "bytes", body.Len(), "content_length", rec.ContentLength())
		writeText(w, r, http.StatusBadGateway, "the response broke off; retry")
		return
	}
	maps.Copy(w.Header(), rec.SentHeader())
	w.WriteHeader(rec.Status())
	if body.Len() > 0 {
		_, _ = w.Write(body.Bytes())
	}
}

func serveRecovering(h http.Handler, w http.ResponseWriter, r *http.Request) (panicked any) {
	defer func() { panicked = recover() }()
	h.ServeHTTP(w, r)
	return nil
}

// writeText answers a one-line text/plain message.
func writeText(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(msg)+1))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(msg + "\n"))
	}
}
