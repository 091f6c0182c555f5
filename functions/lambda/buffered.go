package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/pkg/httpresponse"
)

// bufferedHandler serves BUFFERED function URLs and API Gateway HTTP APIs
// (payload format 2.0): the whole response is one JSON document. It builds
// the request as streamingHandler does (newRequest), so both modes answer
// the same request alike, and:
//   - refuses an event that is no payload-2.0 request (invocation error);
//   - bounds the request by the invocation's deadline (less a margin);
//   - runs h in the adapters' core (httpresponse.Run: net/http's rules, a
//     panic before the status answered 500);
//   - always base64-encodes the body: JSON escaping of a body that happens
//     to be valid UTF-8 (\u0000, \u003c) can make it up to 6 times larger
//     than the bytes, where base64 adds exactly 1/3 (the "lambda-buffered"
//     cap in package platform counts on that);
//   - never returns an incomplete response (aborted, or short of its
//     Content-Length): the invocation fails instead and the client gets a
//     502, not silently missing bytes.
func bufferedHandler(h http.Handler) func(context.Context, json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, raw json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
		ev, err := decodeEvent(raw)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if err := checkStage(ev); err != nil {
			return bufferedText(http.StatusNotFound, err.Error()), nil
		}
		ctx, cancel := requestContext(ctx)
		defer cancel()
		r, err := newRequest(ctx, ev)
		if err != nil {
			return bufferedText(http.StatusBadRequest, "bad request: "+err.Error()), nil
		}
		var body bytes.Buffer
		w := httpresponse.New(r.Method, &body, nil)
		if err := httpresponse.Run(h, w, r); err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, err)
		}
		return bufferedResponse(w.Status(), w.SentHeader(), body.Bytes()), nil
	}
}

func bufferedResponse(status int, h http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	resp := events.APIGatewayV2HTTPResponse{StatusCode: status}
	resp.Headers, resp.Cookies = responseHeaders(h)
	if len(body) > 0 {
		resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return resp
}

// bufferedText is a one-line text/plain answer made without a handler.
func bufferedText(status int, msg string) events.APIGatewayV2HTTPResponse {
	h, body := httpresponse.Text(msg)
	return bufferedResponse(status, h, body)
}
