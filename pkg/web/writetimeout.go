package web

import (
	"net/http"
	"time"
)

// WriteIdleTimeout ends a response whose client stops taking bytes: each
// write (and the final flush) must complete within d, else it fails and the
// handler's download ends, returning its Telegram streams and buffers. It
// is for servers that write to the client's connection themselves (the
// plain server, d = httpresponse.WriteIdleTimeout); the Lambda streaming
// adapter bounds its pipe's writes the same way (httpresponse.IdleWriter).
// http.Server.WriteTimeout cannot do this: it
// bounds the whole response, which for a large file is hours.
//
// A client reading 1 byte per second never completes a write of a few KiB
// and is ended too; any real client takes a write's bytes in well under d.
func WriteIdleTimeout(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), d: d}
		dw.arm()
		// Also covers what net/http writes after the handler returns.
		defer dw.arm()
		h.ServeHTTP(dw, r)
	})
}

type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

// arm gives the next write d from now. A writer that cannot take a
// deadline (a test recorder) is simply not bounded.
func (w *deadlineWriter) arm() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.d)) }

func (w *deadlineWriter) WriteHeader(code int) {
	w.arm()
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(p)
}

func (w *deadlineWriter) Flush() {
	w.arm()
	_ = w.rc.Flush()
}

func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
