package handler

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
)

// serve runs h for one Vercel invocation. Vercel's runtime buffers the
// response and sends whatever the handler left in it, with nothing of
// net/http's checks, so serve keeps the answer here first and sends it
// only when it is whole:
//   - a body shorter than its Content-Length (Telegram failed mid-way) or a
//     response the handler aborted becomes a one-line 502, never a
//     response with silently missing bytes;
//   - a panic becomes a one-line 500 (the runtime would end the process);
//   - the first WriteHeader wins, and HEAD, 204 and 304 carry no body.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	rec := &recorder{header: http.Header{}, head: r.Method == http.MethodHead}
	if v := serveRecovering(h, rec, r); v != nil {
		if e, ok := v.(error); ok && errors.Is(e, http.ErrAbortHandler) {
			writeText(w, r, http.StatusBadGateway, "the response broke off; retry")
			return
		}
		slog.Error("panic serving request", "method", r.Method, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		writeText(w, r, http.StatusInternalServerError, "internal error")
		return
	}
	rec.commit(http.StatusOK)
	if rec.declared >= 0 && int64(rec.body.Len()) != rec.declared && rec.bodyAllowed() {
		slog.Warn("response body short of its Content-Length", "method", r.Method, "status", rec.status, "bytes", rec.body.Len(), "content_length", rec.declared)
		writeText(w, r, http.StatusBadGateway, "the response broke off; retry")
		return
	}
	for k, v := range rec.sent {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	if rec.body.Len() > 0 {
		_, _ = w.Write(rec.body.Bytes())
	}
}

func serveRecovering(h http.Handler, w http.ResponseWriter, r *http.Request) (panicked any) {
	defer func() { panicked = recover() }()
	h.ServeHTTP(w, r)
	return nil
}

// recorder holds a response with net/http's rules.
type recorder struct {
	header    http.Header
	sent      http.Header // the headers at commit
	head      bool
	status    int
	committed bool
	declared  int64 // Content-Length at commit, -1 if none
	body      bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if code < 200 || code > 999 {
		return
	}
	w.commit(code)
}

func (w *recorder) commit(code int) {
	if w.committed {
		return
	}
	w.committed, w.status, w.declared = true, code, -1
	if n, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		w.declared = n
	}
	w.sent = w.header.Clone()
}

func (w *recorder) bodyAllowed() bool {
	return !w.head && w.status != http.StatusNoContent && w.status != http.StatusNotModified
}

func (w *recorder) Write(p []byte) (int, error) {
	if !w.committed {
		if _, ok := w.header["Content-Type"]; !ok && len(p) > 0 {
			w.header.Set("Content-Type", http.DetectContentType(p))
		}
		w.commit(http.StatusOK)
	}
	if !w.bodyAllowed() {
		if w.head {
			return len(p), nil
		}
		return 0, http.ErrBodyNotAllowed
	}
	if w.declared >= 0 && int64(w.body.Len()+len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	return w.body.Write(p)
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
