package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Both adapters take the raw event and build the http.Request themselves,
// from one function: a function URL and an API Gateway HTTP API send the
// same payload format 2.0, whose headers arrive with their values joined by
// commas. (aws-lambda-go-api-proxy split them at the commas again, which
// broke If-Range dates, If-None-Match lists and multi-range requests in
// BUFFERED mode only.)

// errNotHTTPEvent is the invocation error for an event that is no HTTP
// request of payload format 2.0 ({}, null, an API Gateway REST API event):
// it must never be answered as a request for "/".
var errNotHTTPEvent = errors.New("not a function-URL or API Gateway HTTP API (payload format 2.0) request event")

// decodeEvent reads a payload-2.0 request event.
func decodeEvent(raw json.RawMessage) (*events.APIGatewayV2HTTPRequest, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("%w: the event is %s", errNotHTTPEvent, describeJSON(raw))
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotHTTPEvent, err)
	}
	switch {
	case ev.Version != "2.0":
		return nil, fmt.Errorf("%w: its version is %q, not \"2.0\" (a REST API sends 1.0: use an HTTP API or the function URL)", errNotHTTPEvent, ev.Version)
	case ev.RequestContext.HTTP.Method == "":
		return nil, fmt.Errorf("%w: it has no requestContext.http.method", errNotHTTPEvent)
	}
	return &ev, nil
}

// describeJSON names what a JSON value that is not an object is.
func describeJSON(raw []byte) string {
	switch {
	case len(raw) == 0:
		return "empty"
	case string(raw) == "null":
		return "null"
	case raw[0] == '[':
		return "an array"
	case raw[0] == '"':
		return "a string"
	}
	return "not a JSON object"
}

// defaultStage is the only API Gateway stage the service serves: on a
// named stage every path, and so every link the pages make, would need the
// stage's prefix. A function URL has no stage, or "$default".
const defaultStage = "$default"

// newRequest builds the http.Request of an event, bounded by ctx. An error
// is a one-line reason for a 400.
func newRequest(ctx context.Context, ev *events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	var body io.Reader = strings.NewReader(ev.Body)
	n := int64(len(ev.Body))
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, errors.New("body is not base64")
		}
		body, n = bytes.NewReader(b), int64(len(b))
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
	r, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, target, body)
	if err != nil {
		return nil, errors.New("cannot parse method or URL")
	}
	r.ContentLength = n
	r.RequestURI = r.URL.RequestURI()
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	for k, v := range ev.Headers {
		// One value each, as sent: "If-None-Match: \"a\", \"b\"" stays one
		// list, "If-Range: <date>" one date.
		r.Header.Add(k, v)
	}
	if host := r.Header.Get("Host"); host != "" {
		r.Host = host
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	return r, nil
}

// checkStage refuses a request that came through a named API Gateway
// stage, with the reason.
func checkStage(ev *events.APIGatewayV2HTTPRequest) error {
	if s := ev.RequestContext.Stage; s != "" && s != defaultStage {
		return fmt.Errorf("this service runs only on an HTTP API's %s stage, not on stage %q (its links have no stage prefix)", defaultStage, s)
	}
	return nil
}

// responseHeaders turns h into a payload-2.0 response's headers (values
// joined with commas) and cookies.
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
