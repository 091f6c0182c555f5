package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/filetolink/filetolink/functions/internal/httpresponse"
)

// bufferedHandler serves BUFFERED function URLs and API Gateway HTTP APIs
// (payload v2) through aws-lambda-go-api-proxy's httpadapter, and also:
//   - bounds the request by the invocation's deadline (less a margin);
//   - always base64-encodes the body: the adapter sends a body that is valid
//     UTF-8 as a JSON string, whose escapes (\u0000, \u003c) can make it up
//     to 6 times larger than the bytes, where base64 adds exactly 1/3 (the
//     "lambda-buffered" cap in package platform counts on that);
//   - keeps net/http's rules the adapter's writer lacks (package
//     httpresponse): the first WriteHeader wins, no body for HEAD, 204 or
//     304, headers fixed at the status;
//   - never returns a body shorter than its Content-Length, nor one cut by
//     a panic: the invocation fails instead and the client gets a 502, not
//     silently missing bytes.
func bufferedHandler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	adapter := httpadapter.NewV2(http.HandlerFunc(func(aw http.ResponseWriter, r *http.Request) {
		// The adapter's writer (aw) only collects: w gives it the status
		// and headers at commit, and the body.
		w := httpresponse.New(r.Method, aw, func(status int, header http.Header) {
			maps.Copy(aw.Header(), header)
			aw.WriteHeader(status)
		})
		h.ServeHTTP(w, r)
		w.Finish()
		if w.Short() {
			panic(fmt.Errorf("%w: body of %d bytes, Content-Length %d", http.ErrAbortHandler, w.Written(), w.ContentLength()))
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

// bufferedText is a one-line text/plain answer made without a handler.
func bufferedText(status int, msg string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode:      status,
		Headers:         map[string]string{"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
		Body:            base64.StdEncoding.EncodeToString([]byte(msg + "\n")),
		IsBase64Encoded: true,
	}
}
