package handler

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/internal/lambdarie"
	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/pkg/platform"
)

// go-bridge's request and response JSON, and a model of go-bridge
// (github.com/vercel/go-bridge's Serve, which wraps each function on
// Vercel) for the few cases the real build under aws-lambda-rie cannot
// reach: handlers that panic or leave a short body
// (TestServeKeepsAnswersWhole). The model does what go-bridge does: the
// request has context.Background(), RequestURI set to the path, Host from
// the host header, RemoteAddr from x-real-ip; the ResponseWriter buffers
// everything, every WriteHeader overwrites the status, bytes written for
// HEAD are kept; the response is JSON with the body base64-encoded.

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

	out, err := json.Marshal(vercelResponse{
		StatusCode: w.status,
		Headers:    w.header,
		Encoding:   "base64",
		Body:       base64.StdEncoding.EncodeToString(w.body.Bytes()),
	})
	if err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return out, nil
}

// TestServeKeepsAnswersWhole drives serve with the handlers every adapter
// runs through the Vercel runtime model: what the runtime would send as it
// is must never be a response with missing bytes, so a broken answer is a
// 502.
func TestServeKeepsAnswersWhole(t *testing.T) {
	testkit.RunHandlers(t, func(t *testing.T, tc testkit.HandlerCase) {
		fn := func(w http.ResponseWriter, r *http.Request) { serve(tc.Serve, w, r) }
		req, _ := json.Marshal(vercelRequest{Method: tc.Method, Path: "/dl/1?code=x", Headers: map[string]headerValues{}})
		event, _ := json.Marshal(map[string]string{"body": string(req)})
		out, err := invokeVercel(fn, event)
		if err != nil {
			t.Fatal(err)
		}
		var resp vercelResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatal(err)
		}
		body, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		want := tc.Want
		if want.Broken {
			want = testkit.BrokeOff
		}
		want.Check(t, resp.StatusCode, http.Header(resp.Headers), string(body), false)
	})
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
func routeFor(routes []vercelRoute, path string) (file string, ok bool) {
	for _, rt := range routes {
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

var clientIPs atomic.Uint32

// vercelEvent is the invocation event go-bridge decodes for one request:
// an API Gateway proxy event whose body is the request JSON, with the
// request body base64-encoded, as Vercel sends it. Each request comes from
// its own client IP unless headers set x-real-ip, so that failures of one
// test never rate-limit another.
func vercelEvent(method, target string, headers map[string]string, body []byte) ([]byte, error) {
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
	req := vercelRequest{Host: "filetolink-test.vercel.app", Path: target, Method: method, Headers: hdr}
	if body != nil {
		req.Encoding, req.Body = "base64", base64.StdEncoding.EncodeToString(body)
	}
	reqJSON, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return json.Marshal(events.APIGatewayProxyRequest{Body: string(reqJSON)})
}

// decodeVercel reads a function's response JSON, failing on one that does
// not fit Vercel's limits: Lambda refuses a payload over 6 MiB (+ 100
// bytes), Vercel a body over 4.5 MB.
func decodeVercel(out []byte) (*lambdarie.Response, error) {
	if len(out) >= 6<<20 {
		return nil, fmt.Errorf("response payload of %d bytes, not under 6 MiB", len(out))
	}
	var resp vercelResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
		return nil, fmt.Errorf("not a response: %.500q (%v)", out, err)
	}
	body, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil || resp.Encoding != "base64" {
		return nil, fmt.Errorf("body encoding %q: %v", resp.Encoding, err)
	}
	if len(body) > platform.VercelBodyLimit {
		return nil, fmt.Errorf("body of %d bytes, over Vercel's %d", len(body), platform.VercelBodyLimit)
	}
	return &lambdarie.Response{Status: resp.StatusCode, Header: http.Header(resp.Headers), Body: body}, nil
}

// vercelSite sends requests through the build's routes to the function
// file that function runs.
func vercelSite(routes []vercelRoute, function func(file string) (*lambdarie.Emulator, error)) *lambdarie.Site {
	return &lambdarie.Site{
		Route: func(path string) (*lambdarie.Emulator, error) {
			file, ok := routeFor(routes, path)
			if !ok {
				return nil, fmt.Errorf("no route for %s", path)
			}
			return function(file)
		},
		Event:  vercelEvent,
		Decode: decodeVercel,
	}
}
