package httpresponse

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
)

// ErrIncomplete marks a response whose status went out but whose body did
// not end as declared: the handler aborted it (http.ErrAbortHandler, or a
// panic after the status) or it ended short of its Content-Length. An
// adapter must not pass it off as whole: Vercel answers a 502, streaming
// breaks the stream, buffered fails the invocation.
var ErrIncomplete = errors.New("response incomplete")

// Run is the core the three serverless adapters share: it serves r with h
// on w as net/http's server would, and says how the response ended.
//
//   - A handler that returns leaves a finished response (a status never
//     written is 200); nil, unless its body is short of its Content-Length.
//   - A panic before the status is answered here, with none of the
//     handler's headers: http.ErrAbortHandler as a 502 ("the response broke
//     off; retry"), any other panic as a 500 ("internal error"), logged with
//     its stack; nil, as that answer is whole.
//   - A panic after the status, or a short body: an error wrapping
//     ErrIncomplete.
func Run(h http.Handler, w *Writer, r *http.Request) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			w.Finish()
			if w.Short() {
				err = fmt.Errorf("%w: body ended after %d of %d bytes", ErrIncomplete, w.Written(), w.ContentLength())
			}
			return
		}
		aborted := false
		if e, ok := v.(error); ok && errors.Is(e, http.ErrAbortHandler) {
			aborted = true
		} else {
			LogPanic(slog.Default(), r, v)
		}
		if w.Committed() {
			err = fmt.Errorf("%w: handler aborted the response: %v", ErrIncomplete, v)
			return
		}
		clear(w.Header()) // none of the handler's headers go with the answer
		if aborted {
			WriteText(w, r, http.StatusBadGateway, MsgBrokeOff)
		} else {
			WriteText(w, r, http.StatusInternalServerError, "internal error")
		}
	}()
	h.ServeHTTP(w, r)
	return nil
}

// MsgBrokeOff is the answer to a response that could not be completed.
const MsgBrokeOff = "the response broke off; retry"

// LogPanic writes the one log line of a handler's panic v: the request's
// method, then attrs, the panic and the stack of the goroutine that
// recovered it (call it in the deferred function).
func LogPanic(log *slog.Logger, r *http.Request, v any, attrs ...any) {
	args := append([]any{"method", r.Method}, attrs...)
	log.Error("panic serving request", append(args, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))...)
}

// SetText sets the headers of a one-line text/plain answer but its
// length: its type, and no cache or sniffing.
func SetText(h http.Header) {
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// Text is a one-line text/plain answer: its headers (SetText, and the
// length) and body.
func Text(msg string) (http.Header, []byte) {
	body := []byte(msg + "\n")
	h := http.Header{}
	SetText(h)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return h, body
}

// WriteText answers a one-line text/plain message (Text) on w, with no
// body for HEAD. Headers already set on w (such as Retry-After) stay,
// unless Text sets them.
func WriteText(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h, body := Text(msg)
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
