package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/internal/lambdarie"
)

// conditionalTable sends the same conditional and range requests through
// one invoke mode; exercise runs it for both, so both must answer each row
// alike (and as net/http's ServeContent does). Header values reach the
// handler whole in both modes: a value split at its commas would make an
// If-Range date "Mon", drop an If-None-Match list's second tag and serve
// only the first of two ranges.
func conditionalTable(t *testing.T, s *lambdarie.Site, cat *lambdarie.Catalog) {
	target := cat.Escaped.DL()
	smallData := cat.Escaped.All(t)
	head := s.Do(t, "HEAD", target, nil)
	etag, lastMod := head.Header.Get("ETag"), head.Header.Get("Last-Modified")
	if head.Status != 200 || etag == "" || !strings.Contains(lastMod, ", ") {
		t.Fatalf("HEAD: %d ETag %q Last-Modified %q", head.Status, etag, lastMod)
	}
	size := len(smallData)
	for _, tt := range []struct {
		name    string
		headers map[string]string
		status  int
		body    []byte   // nil: not checked (no body for 304)
		parts   [][]byte // a multipart/byteranges answer's parts
	}{
		{"range", map[string]string{"Range": "bytes=0-9"}, 206, smallData[:10], nil},
		{"if-range etag", map[string]string{"Range": "bytes=0-9", "If-Range": etag}, 206, smallData[:10], nil},
		{"if-range date", map[string]string{"Range": "bytes=0-9", "If-Range": lastMod}, 206, smallData[:10], nil},
		{"if-range stale", map[string]string{"Range": "bytes=0-9", "If-Range": `"old"`}, 200, smallData, nil},
		{"if-none-match list", map[string]string{"If-None-Match": `"x", ` + etag}, 304, nil, nil},
		{"if-none-match list without it", map[string]string{"If-None-Match": `"x", "y"`}, 200, smallData, nil},
		{"if-none-match list with range", map[string]string{"If-None-Match": `"x", ` + etag, "Range": "bytes=0-9"}, 304, nil, nil},
		{"if-match list", map[string]string{"If-Match": `"x", ` + etag, "Range": "bytes=1-2"}, 206, smallData[1:3], nil},
		{"if-match other", map[string]string{"If-Match": `"x", "y"`}, 412, nil, nil},
		{"if-modified-since", map[string]string{"If-Modified-Since": lastMod}, 304, nil, nil},
		{"if-unmodified-since", map[string]string{"If-Unmodified-Since": lastMod, "Range": "bytes=-3"}, 206, smallData[size-3:], nil},
		{"two ranges", map[string]string{"Range": "bytes=0-1,5-6"}, 206, nil, [][]byte{smallData[0:2], smallData[5:7]}},
		{"two ranges with spaces", map[string]string{"Range": "bytes=0-1, 5-6"}, 206, nil, [][]byte{smallData[0:2], smallData[5:7]}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.Do(t, "GET", target, tt.headers)
			if res.Status != tt.status {
				t.Fatalf("%v: %d %.200q, want %d", tt.headers, res.Status, res.Body, tt.status)
			}
			if tt.body != nil && !bytes.Equal(res.Body, tt.body) {
				t.Errorf("%v: body of %d bytes, want %d", tt.headers, len(res.Body), len(tt.body))
			}
			if tt.status == 304 && len(res.Body) != 0 {
				t.Errorf("304 with a body of %d bytes", len(res.Body))
			}
			if tt.parts != nil {
				checkParts(t, res, tt.parts)
			}
		})
	}
}

func checkParts(t *testing.T, res *lambdarie.Response, want [][]byte) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q, want multipart/byteranges", res.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(res.Body), params["boundary"])
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			if i != len(want) {
				t.Errorf("%d parts, want %d", i, len(want))
			}
			return
		}
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		b, _ := io.ReadAll(p)
		if i >= len(want) || !bytes.Equal(b, want[i]) {
			t.Errorf("part %d (%s) = %q", i, p.Header.Get("Content-Range"), b)
		}
	}
}

// checkEvents: what is not a payload-2.0 request fails the invocation
// with a clear error, in both modes, and never reaches the service (the
// index page); null must not crash the runtime, so a request after them is
// served by the same process.
func checkEvents(t *testing.T, e *lambdarie.Emulator, s *lambdarie.Site) {
	v1 := events.APIGatewayProxyRequest{
		Resource: "/{proxy+}", Path: "/", HTTPMethod: "GET",
		Headers:        map[string]string{"Host": "abc.execute-api.eu-west-1.amazonaws.com"},
		RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod", HTTPMethod: "GET", Path: "/prod/"},
	}
	v1JSON, _ := json.Marshal(v1)
	for _, tt := range []struct{ name, payload string }{
		{"empty object", `{}`},
		{"null", `null`},
		{"array", `[]`},
		{"string", `"GET /"`},
		{"REST API v1 event", string(v1JSON)},
		{"version 2.0 without a method", `{"version":"2.0","rawPath":"/"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.Post([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			var fail struct {
				ErrorMessage string `json:"errorMessage"`
				ErrorType    string `json:"errorType"`
			}
			if err := json.Unmarshal(out, &fail); err != nil || !strings.Contains(fail.ErrorMessage, "not a function-URL or API Gateway HTTP API (payload format 2.0) request event") {
				t.Errorf("%s: answered %.300q, want an invocation error saying it is no payload-2.0 event", tt.name, out)
			}
			if bytes.Contains(out, []byte("<html")) {
				t.Errorf("%s: answered with a page", tt.name)
			}
		})
	}
	if res := s.Do(t, "GET", "/healthz", nil); res.Status != 200 {
		t.Errorf("after the bad events: /healthz %d %q", res.Status, res.Body)
	}
	if strings.Contains(e.Logs.String(), "panic") {
		t.Errorf("the runtime logged a panic:\n%s", e.Logs.String())
	}

	// An HTTP API's named stage is refused with the reason; $default (and
	// a function URL, which has no stage) is served.
	named := functionURLEvent("GET", "/prod/healthz", nil)
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: named.RawPath, Headers: named.Headers}
	ev.RequestContext.Stage = "prod"
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = "GET", named.RawPath
	ev.RequestContext.DomainName = "abc.execute-api.eu-west-1.amazonaws.com"
	res := s.Invoke(t, named.RawPath, raw(ev))
	if res.Status != http.StatusNotFound || !bytes.Contains(res.Body, []byte(`$default stage, not on stage "prod"`)) {
		t.Errorf("named stage: %d %q, want 404 saying only $default is served", res.Status, res.Body)
	}
	lambdarie.CheckOneLineError(t, "named stage", res)
	ev.RequestContext.Stage, ev.RawPath, ev.RequestContext.HTTP.Path = "$default", "/healthz", "/healthz"
	if res := s.Invoke(t, named.RawPath, raw(ev)); res.Status != 200 {
		t.Errorf("$default stage: %d %q", res.Status, res.Body)
	}
}
