package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// bufferedHandler serves BUFFERED function URLs and API Gateway HTTP APIs
// (payload v2) through aws-lambda-go-api-proxy's httpadapter, and also:
//   - bounds the request by the invocation's deadline (less a margin);
//   - always base64-encodes the body: the adapter sends a body that is valid
//     UTF-8 as a JSON string, whose escapes (\u0000, \u003c) can make it up
//     to 6 times larger than the bytes, where base64 adds exactly 1/3 (the
//     "lambda-buffered" cap in package platform counts on that);
//   - keeps net/http's rules the adapter's writer lacks: the first
//     WriteHeader wins, no body for HEAD, 204 or 304;
//   - never returns a body shorter than its Content-Length, nor one cut by
//     a panic: the invocation fails instead and the client gets a 502, not
//     silently missing bytes.
func bufferedHandler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	adapter := httpadapter.NewV2(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := &bufferedWriter{ResponseWriter: w, head: r.Method == http.MethodHead}
		h.ServeHTTP(bw, r)
		bw.commit(http.StatusOK)
		if bw.declared >= 0 && bw.written != bw.declared && bw.bodyAllowed() {
			panic(fmt.Errorf("%w: body of %d bytes, Content-Length %d", http.ErrAbortHandler, bw.written, bw.declared))
		}
	}))
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
		ctx, cancel := requestContext(ctx)
		defer cancel()
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if e, ok := v.(error); ok && errors.Is(e, http.ErrAbortHandler) {
				err = fmt.Errorf("response aborted: %w", e)
				return
			}
			slog.Error("panic serving request", "method", ev.RequestContext.HTTP.Method, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			resp, err = bufferedText(http.StatusInternalServerError, "internal error"), nil
		}()
		resp, err = adapter.ProxyWithContext(ctx, ev)
		if err != nil {
			// The handler always sets a status: this is an event the
			// adapter cannot turn into a request.
			return bufferedText(http.StatusBadRequest, "bad request: cannot read the request"), nil
		}
		if !resp.IsBase64Encoded && resp.Body != "" {
			resp.Body = base64.StdEncoding.EncodeToString([]byte(resp.Body))
			resp.IsBase64Encoded = true
		}
		return resp, nil
	}
}

// bufferedWriter gives the adapter's writer net/http's rules.
type bufferedWriter struct {
	http.ResponseWriter
	head      bool
	status    int
	committed bool
	declared  int64 // Content-Length at commit, -1 if none
	written   int64
}

func (w *bufferedWriter) WriteHeader(code int) {
	if code < 200 || code > 999 {
		return
	}
	w.commit(code)
}

func (w *bufferedWriter) commit(code int) {
	if w.committed {
		return
	}
	w.committed = true
	w.status = code
	w.declared = -1
	if n, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		w.declared = n
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *bufferedWriter) bodyAllowed() bool {
	return !w.head && w.status != http.StatusNoContent && w.status != http.StatusNotModified
}

func (w *bufferedWriter) Write(p []byte) (int, error) {
	if !w.committed {
		if _, ok := w.Header()["Content-Type"]; !ok && len(p) > 0 {
			w.Header().Set("Content-Type", http.DetectContentType(p))
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
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	return n, err
}

// bufferedText is a one-line text/plain answer made without a handler.
func bufferedText(status int, msg string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode:      status,
		Headers:         map[string]string{"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
		Body:            base64.StdEncoding.EncodeToString([]byte(msg + "\n")),
		IsBase64Encoded: true,
	}
}
