package handler

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/pkg/platform"
)

// This file drives the handlers the way Vercel's Go runtime does (its
// github.com/vercel/go-bridge is not served by the module proxy here, so
// this is our own model of it, from its documented behaviour):
//
//   - the function is invoked with a Lambda event (API Gateway proxy shape)
//     whose body is Vercel's request JSON: host, path (the original path and
//     query), method, headers (a string or a list of strings each), body and
//     its encoding;
//   - the http.Request has context.Background() (no deadline), RequestURI
//     set to the path, Host from the host header, RemoteAddr from
//     x-real-ip (an IP without port);
//   - the ResponseWriter buffers everything: no http.Flusher, every
//     WriteHeader call overwrites the status, and bytes written for HEAD are
//     kept (nothing drops them as net/http's server does);
//   - the response is JSON: status, headers, the body base64-encoded; it
//     must fit Vercel's 4.5 MB body limit and Lambda's payload limit, else
//     the deployment would answer an error instead. Here that fails the test.

// vercelRequest is the request JSON inside the invocation event.
type vercelRequest struct {
	Host     string                  `json:"host"`
	Path     string                  `json:"path"`
	Method   string                  `json:"method"`
	Headers  map[string]headerValues `json:"headers"`
	Encoding string                  `json:"encoding,omitempty"`
	Body     string                  `json:"body"`
}

// headerValues is one header in the request JSON: a string or a list.
type headerValues []string

func (h *headerValues) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*h = headerValues{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("header value: %w", err)
	}
	*h = many
	return nil
}

// vercelResponse is the JSON the function returns to the runtime.
type vercelResponse struct {
	StatusCode int                 `json:"statusCode"`
	Headers    map[string][]string `json:"headers"`
	Encoding   string              `json:"encoding"`
	Body       string              `json:"body"`
}

// errResponseTooLarge marks a response Vercel would refuse.
var errResponseTooLarge = errors.New("response over Vercel's limit")

// bufferedWriter is the runtime's ResponseWriter.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedWriter) Header() http.Header         { return w.header }
func (w *bufferedWriter) WriteHeader(code int)        { w.status = code }
func (w *bufferedWriter) Write(p []byte) (int, error) { return w.body.Write(p) }

// invokeVercel runs fn for one invocation event and returns the response
// JSON, as the runtime would hand it back to Vercel.
func invokeVercel(fn http.HandlerFunc, event []byte) ([]byte, error) {
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	var req vercelRequest
	if err := json.Unmarshal([]byte(ev.Body), &req); err != nil {
		return nil, fmt.Errorf("decode request: %w", err)
	}
	body := []byte(req.Body)
	if req.Encoding == "base64" {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return nil, fmt.Errorf("decode request body: %w", err)
		}
	}
	r, err := http.NewRequest(req.Method, req.Path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	r.RequestURI = r.URL.Path
	for k, vv := range req.Headers {
		for _, v := range vv {
			r.Header.Add(k, v)
			switch strings.ToLower(k) {
			case "host":
				r.Host = v
			case "content-length":
				r.ContentLength, _ = strconv.ParseInt(v, 10, 64)
			case "x-real-ip":
				r.RemoteAddr = v
			}
		}
	}

	w := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
	fn(w, r)

	if n := w.body.Len(); n > platform.VercelBodyLimit {
		return nil, fmt.Errorf("%w: body of %d bytes (limit %d)", errResponseTooLarge, n, platform.VercelBodyLimit)
	}
	out, err := json.Marshal(vercelResponse{
		StatusCode: w.status,
		Headers:    w.header,
		Encoding:   "base64",
		Body:       base64.StdEncoding.EncodeToString(w.body.Bytes()),
	})
	if err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	if len(out) > platform.LambdaPayloadLimit {
		return nil, fmt.Errorf("%w: payload of %d bytes (limit %d)", errResponseTooLarge, len(out), platform.LambdaPayloadLimit)
	}
	return out, nil
}

// vercelRoute is one entry of vercel.json's routes.
type vercelRoute struct {
	Src  string `json:"src"`
	Dest string `json:"dest"`
}

// vercelConfig is the part of vercel.json this project uses.
type vercelConfig struct {
	Version int `json:"version"`
	Builds  []struct {
		Src string `json:"src"`
		Use string `json:"use"`
	} `json:"builds"`
	Routes []vercelRoute `json:"routes"`
}

func readVercelConfig(t testing.TB) vercelConfig {
	t.Helper()
	data, err := os.ReadFile("../vercel.json")
	if err != nil {
		t.Fatalf("read vercel.json: %v", err)
	}
	var c vercelConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("vercel.json: %v", err)
	}
	return c
}

// functionsByFile are the handlers of this package by their build src; the
// vercel.json test checks that each file exports exactly this function.
var functionsByFile = map[string]struct {
	name string
	fn   http.HandlerFunc
}{
	"functions/index.go":  {"Index", Index},
	"functions/stream.go": {"Stream", Stream},
	"functions/dl.go":     {"Download", Download},
	"functions/bot.go":    {"Bot", Bot},
}

// routeFor finds the function vercel.json sends path to: the first route
// whose src (anchored, as Vercel anchors it) matches the path.
func routeFor(c vercelConfig, path string) (file string, ok bool) {
	for _, rt := range c.Routes {
		re, err := regexp.Compile("^(?:" + rt.Src + ")$")
		if err != nil {
			return "", false
		}
		if re.MatchString(path) {
			dest, _, _ := strings.Cut(rt.Dest, "?")
			return strings.TrimPrefix(dest, "/"), true
		}
	}
	return "", false
}

// vercelClient sends requests through vercel.json's routes and the runtime
// model above. Each request comes from its own client IP unless the test
// sets x-real-ip, so that failures of one test never rate-limit another.
type vercelClient struct {
	t      testing.TB
	config vercelConfig
}

var clientIPs atomic.Uint32

type result struct {
	status int
	header http.Header
	body   []byte
}

func (c *vercelClient) do(method, target string, headers map[string]string) *result {
	c.t.Helper()
	path, _, _ := strings.Cut(target, "?")
	file, ok := routeFor(c.config, path)
	if !ok {
		c.t.Fatalf("%s %s: no route in vercel.json", method, target)
	}
	f, ok := functionsByFile[file]
	if !ok {
		c.t.Fatalf("%s %s: route to %s, which is not a function of this package", method, target, file)
	}
	n := clientIPs.Add(1)
	ip := fmt.Sprintf("10.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff)
	hdr := map[string]headerValues{
		"host":              {"filetolink-test.vercel.app"},
		"x-real-ip":         {ip},
		"x-forwarded-for":   {ip},
		"x-forwarded-proto": {"https"},
		"x-forwarded-host":  {"filetolink-test.vercel.app"},
		"x-vercel-id":       {"fra1::abcde-1700000000000-0123456789ab"},
	}
	for k, v := range headers {
		hdr[strings.ToLower(k)] = headerValues{v}
	}
	reqJSON, err := json.Marshal(vercelRequest{Host: "filetolink-test.vercel.app", Path: target, Method: method, Headers: hdr})
	if err != nil {
		c.t.Fatal(err)
	}
	event, err := json.Marshal(events.APIGatewayProxyRequest{Body: string(reqJSON)})
	if err != nil {
		c.t.Fatal(err)
	}
	out, err := invokeVercel(f.fn, event)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	var resp vercelResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		c.t.Fatalf("%s %s: decode response: %v", method, target, err)
	}
	body, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil || resp.Encoding != "base64" {
		c.t.Fatalf("%s %s: body encoding %q: %v", method, target, resp.Encoding, err)
	}
	return &result{status: resp.StatusCode, header: http.Header(resp.Headers), body: body}
}
