package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/pkg/httpresponse"
)

// streamingHandler serves function-URL invocations in RESPONSE_STREAM mode:
// h writes into a pipe that the Lambda runtime streams to the client, after
// a prelude with the status and headers. It follows aws-lambda-go's
// lambdaurl, and also:
//   - refuses an event that is no payload-2.0 request (invocation error);
//   - bounds the request by the invocation's deadline (less a margin);
//   - passes the request's cookies (function URLs send them apart);
//   - runs h in the adapters' core (httpresponse.Run: net/http's rules, a
//     panic before the status answered 500), and ends the stream with an
//     error when the response is incomplete (aborted after the status, or
//     short of its Content-Length): the client sees a broken transfer,
//     never silently missing bytes;
//   - owns the goroutine running h: closing the response (the runtime does
//     once it has sent it) cancels the request and waits for h to return;
//   - bounds a client that stops reading: Lambda keeps an invocation (and
//     its bill) running while a client takes no bytes, so a body write that
//     has not returned within idle (httpresponse.WriteIdleTimeout) breaks
//     the stream with httpresponse.ErrStalled and cancels the request: the
//     handler returns and the runtime ends the invocation with an error.
func streamingHandler(h http.Handler, idle time.Duration) func(context.Context, json.RawMessage) (*events.LambdaFunctionURLStreamingResponse, error) {
	return func(ctx context.Context, raw json.RawMessage) (*events.LambdaFunctionURLStreamingResponse, error) {
		ev, err := decodeEvent(raw)
		if err != nil {
			return nil, err
		}
		if err := checkStage(ev); err != nil {
			return textResponse(http.StatusNotFound, err.Error()), nil
		}
		ctx, cancel := requestContext(ctx)
		r, err := newRequest(ctx, ev)
		if err != nil {
			cancel()
			return textResponse(http.StatusBadRequest, "bad request: "+err.Error()), nil
		}
		pr, pw := io.Pipe()
		body := httpresponse.NewIdleWriter(pw, idle, func() {
			pw.CloseWithError(httpresponse.ErrStalled) // the blocked write returns
			cancel()
		})
		ready := make(chan struct{}) // closed when status and headers are fixed
		w := httpresponse.New(r.Method, body, func(int, http.Header) { close(ready) })
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer body.Stop()
			pw.CloseWithError(httpresponse.Run(h, w, r)) // Run always commits
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

// textResponse is a one-line text/plain answer made without a handler.
func textResponse(status int, msg string) *events.LambdaFunctionURLStreamingResponse {
	h, body := httpresponse.Text(msg)
	headers, _ := responseHeaders(h)
	return &events.LambdaFunctionURLStreamingResponse{StatusCode: status, Headers: headers, Body: bytes.NewReader(body)}
}
