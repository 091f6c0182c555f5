package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/functions/internal/httpresponse"
)

// streamingHandler serves function-URL invocations in RESPONSE_STREAM mode:
// h writes into a pipe that the Lambda runtime streams to the client, after
// a prelude with the status and headers. It follows aws-lambda-go's
// lambdaurl, and also:
//   - bounds the request by the invocation's deadline (less a margin);
//   - passes the request's cookies (function URLs send them apart);
//   - keeps net/http's rules (package httpresponse): the first WriteHeader
//     wins, no body for HEAD, 204 or 304, headers fixed at the status;
//   - turns a panic before the status into a 500, and a panic after it, or a
//     body shorter than its Content-Length, into a stream that ends with an
//     error (the client sees a broken transfer, never silently missing
//     bytes);
//   - owns the goroutine running h: closing the response (the runtime does
//     once it has sent it) cancels the request and waits for h to return.
func streamingHandler(h http.Handler) func(context.Context, *events.LambdaFunctionURLRequest) (*events.LambdaFunctionURLStreamingResponse, error) {
	return func(ctx context.Context, ev *events.LambdaFunctionURLRequest) (*events.LambdaFunctionURLStreamingResponse, error) {
		ctx, cancel := requestContext(ctx)
		r, err := functionURLRequest(ctx, ev)
		if err != nil {
			cancel()
			return textResponse(http.StatusBadRequest, "bad request: "+err.Error()), nil
		}
		pr, pw := io.Pipe()
		ready := make(chan struct{}) // closed when status and headers are fixed
		w := httpresponse.New(r.Method, pw, func(int, http.Header) { close(ready) })
		done := make(chan struct{})
		go func() {
			defer close(done)
			pw.CloseWithError(serveStream(w, r, h))
		}()
		<-ready
		resp := &events.LambdaFunctionURLStreamingResponse{
			StatusCode: w.Status(),
			Body:       &streamBody{PipeReader: pr, cancel: cancel, done: done},
		}
		resp.Headers, resp.Cookies = responseHeaders(w.SentHeader())
		return resp, nil
	}
}

// serveStream runs h and says how its body ends: nil for a complete body,
// an error to abort the stream.
func serveStream(w *httpresponse.Writer, r *http.Request, h http.Handler) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			w.Finish()
			if w.Short() {
				err = fmt.Errorf("body ended after %d of %d bytes", w.Written(), w.ContentLength())
			}
			return
		}
		if e, ok := v.(error); !ok || !errors.Is(e, http.ErrAbortHandler) {
			slog.Error("panic serving request", "method", r.Method, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
		if w.Committed() {
			err = fmt.Errorf("handler aborted the response: %v", v)
			return
		}
		clear(w.Header()) // none of the handler's headers go with the 500
		writeText(w, http.StatusInternalServerError, "internal error")
	}()
	h.ServeHTTP(w, r)
	return nil
}

// streamBody is the body the runtime reads. Close stops the handler and
// waits for it.
type streamBody struct {
	*io.PipeReader
	cancel context.CancelFunc
	done   <-chan struct{}
}

func (b *streamBody) Close() error {
	b.cancel()
	err := b.PipeReader.Close()
	<-b.done
	return err
}

// functionURLRequest builds the http.Request of a function-URL event.
func functionURLRequest(ctx context.Context, ev *events.LambdaFunctionURLRequest) (*http.Request, error) {
	var body io.Reader = strings.NewReader(ev.Body)
	n := int64(len(ev.Body))
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, errors.New("body is not base64")
		}
		body, n = strings.NewReader(string(b)), int64(len(b))
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New("path must start with /")
	}
	target := "https://" + ev.RequestContext.DomainName + path
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, errors.New("cannot parse method or URL")
	}
	r.ContentLength = n
	r.RequestURI = r.URL.RequestURI()
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	for k, v := range ev.Headers {
		r.Header.Add(k, v)
	}
	if host := r.Header.Get("Host"); host != "" {
		r.Host = host
	}
	for _, c := range ev.Cookies {
		r.Header.Add("Cookie", c)
	}
	return r, nil
}

// responseHeaders turns h into a function URL's headers (values joined
// with commas) and cookies.
func responseHeaders(h http.Header) (map[string]string, []string) {
	headers := make(map[string]string, len(h))
	var cookies []string
	for k, v := range h {
		if k == "Set-Cookie" {
			cookies = append(cookies, v...)
			continue
		}
		headers[k] = strings.Join(v, ",")
	}
	return headers, cookies
}

// textResponse is a one-line text/plain answer made without a handler.
func textResponse(status int, msg string) *events.LambdaFunctionURLStreamingResponse {
	return &events.LambdaFunctionURLStreamingResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
		Body:       strings.NewReader(msg + "\n"),
	}
}

// writeText answers a one-line text/plain message.
func writeText(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(msg)+1))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
