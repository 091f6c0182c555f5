// Package httpresponse is the http.ResponseWriter the serverless adapters
// hand to the service's handler. Their platforms (Vercel's runtime, the
// Lambda runtime) apply none of the rules
// net/http's server applies to a handler's writes; Writer applies them, and
// leaves to its adapter only where the bytes go and what to do when the
// body comes up short:
//
//   - the status is written once: the first WriteHeader wins; 1xx and
//     invalid codes are ignored; a Write, or Finish, before any sends 200;
//   - an unset Content-Type is sniffed from the first Write;
//   - HEAD, 204 and 304 carry no body;
//   - no more than the declared Content-Length is written
//     (http.ErrContentLength);
//   - the headers are snapshotted when the status is written: later changes
//     to the map are not sent;
//   - Short says whether the body ended before its Content-Length.
//
// A Writer, like net/http's, is not safe for concurrent use; what it
// records at commit may be read from another goroutine once the commit
// callback has run.
package httpresponse

import (
	"io"
	"net/http"
	"strconv"
)

// Writer is an http.ResponseWriter with net/http's rules whose body bytes
// go to an io.Writer.
type Writer struct {
	header   http.Header
	sent     http.Header // the headers at commit
	body     io.Writer
	onCommit func(status int, header http.Header)
	head     bool
	status   int   // 0 until committed
	declared int64 // Content-Length at commit, -1 if none
	written  int64
}

// New returns the writer of the response to a request with the given
// method. The bytes of the body go to body; onCommit, if not nil, is
// called once, when the status and headers are fixed, with the status and
// the headers' snapshot.
func New(method string, body io.Writer, onCommit func(status int, header http.Header)) *Writer {
	return &Writer{
		header:   http.Header{},
		body:     body,
		onCommit: onCommit,
		head:     method == http.MethodHead,
		declared: -1,
	}
}

// Header returns the header map the handler sets before the status.
func (w *Writer) Header() http.Header { return w.header }

// WriteHeader fixes the status, unless it is fixed already. Informational
// (1xx) and invalid codes are ignored: the adapters cannot send them.
func (w *Writer) WriteHeader(code int) {
	if code < 200 || code > 999 {
		return
	}
	w.commit(code)
}

// Write sends p as part of the body: it fixes the status at 200 first (with
// a sniffed Content-Type when none is set), drops it for HEAD, refuses it
// for 204 and 304 (http.ErrBodyNotAllowed) and refuses bytes past the
// declared Content-Length (http.ErrContentLength).
func (w *Writer) Write(p []byte) (int, error) {
	if !w.Committed() {
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
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	n, err := w.body.Write(p)
	w.written += int64(n)
	return n, err
}

// Finish is called when the handler has returned: a response whose status
// was never written is a 200, as with net/http.
func (w *Writer) Finish() { w.commit(http.StatusOK) }

func (w *Writer) commit(code int) {
	if w.Committed() {
		return
	}
	w.status = code
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.declared = n
		}
	}
	w.sent = w.header.Clone()
	if w.onCommit != nil {
		w.onCommit(w.status, w.sent)
	}
}

func (w *Writer) bodyAllowed() bool {
	return !w.head && w.status != http.StatusNoContent && w.status != http.StatusNotModified
}

// Committed reports whether the status and headers are fixed.
func (w *Writer) Committed() bool { return w.status != 0 }

// Status is the response's status, 0 until committed.
func (w *Writer) Status() int { return w.status }

// SentHeader is the headers as they were at commit (nil before): what the
// response carries.
func (w *Writer) SentHeader() http.Header { return w.sent }

// Written is the number of body bytes passed to the body writer.
func (w *Writer) Written() int64 { return w.written }

// ContentLength is the Content-Length declared at commit, -1 if none (or
// not yet committed).
func (w *Writer) ContentLength() int64 { return w.declared }

// Short reports whether the body ended before its declared Content-Length:
// a response that may carry a body, with fewer bytes written than it
// declared. The adapters must not pass such a response off as whole.
func (w *Writer) Short() bool {
	return w.declared >= 0 && w.written < w.declared && w.bodyAllowed()
}
