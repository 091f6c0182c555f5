package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/internal/lambdarie"
	"github.com/filetolink/filetolink/internal/tgfake"
)

// This file runs the real bootstrap binary under the AWS Lambda Runtime
// Interface Emulator (package lambdarie) and posts function-URL events to it.

var bootstrap struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bootstrap.dir != "" {
		os.RemoveAll(bootstrap.dir)
	}
	os.Exit(code)
}

// buildBootstrap builds this package as Lambda's bootstrap, once per test
// run, the way the README and the SAM template build it.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	bootstrap.once.Do(func() {
		bootstrap.dir, bootstrap.err = os.MkdirTemp("", "lambda-bootstrap")
		if bootstrap.err != nil {
			return
		}
		bootstrap.path = filepath.Join(bootstrap.dir, "bootstrap")
		goBin, err := exec.LookPath("go")
		if err != nil {
			bootstrap.err = err
			return
		}
		cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-o", bootstrap.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			bootstrap.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if bootstrap.err != nil {
		t.Fatal(bootstrap.err)
	}
	return bootstrap.path
}

// emulator is one aws-lambda-rie process running the bootstrap.
type emulator struct {
	*lambdarie.Emulator
	t    *testing.T
	logs *tgfake.LogBuffer
}

// startEmulator runs the bootstrap under aws-lambda-rie with the fake
// Telegram's settings and env.
func startEmulator(t *testing.T, fake *tgfake.Server, env map[string]string) *emulator {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the Lambda bootstrap; skipped with -short")
	}
	lambdarie.Binary(t)
	boot := buildBootstrap(t)
	all, err := fake.Env(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	all["AWS_LAMBDA_FUNCTION_NAME"] = "filetolink"
	all["LOG_LEVEL"] = "warn"
	for k, v := range env {
		all[k] = v
	}
	e := lambdarie.Start(t, boot, all)
	return &emulator{Emulator: e, t: t, logs: e.Logs}
}

// functionURLEvent is the event a function URL sends for one request.
func functionURLEvent(method, target string, headers map[string]string) events.LambdaFunctionURLRequest {
	path, query, _ := strings.Cut(target, "?")
	const domain = "abcdefghij0123456789.lambda-url.eu-west-1.on.aws"
	h := map[string]string{
		"host":              domain,
		"x-forwarded-proto": "https",
		"x-forwarded-port":  "443",
		"x-forwarded-for":   "198.51.100.23",
		"user-agent":        "emulator-test",
		"accept":            "*/*",
	}
	for k, v := range headers {
		h[strings.ToLower(k)] = v
	}
	now := time.Now()
	return events.LambdaFunctionURLRequest{
		Version:        "2.0",
		RawPath:        path,
		RawQueryString: query,
		Headers:        h,
		RequestContext: events.LambdaFunctionURLRequestContext{
			AccountID:    "anonymous",
			RequestID:    fmt.Sprintf("req-%d", now.UnixNano()),
			APIID:        "abcdefghij0123456789",
			DomainName:   domain,
			DomainPrefix: "abcdefghij0123456789",
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{
				Method:    method,
				Path:      path,
				Protocol:  "HTTP/1.1",
				SourceIP:  "198.51.100.23",
				UserAgent: "emulator-test",
			},
		},
	}
}

// post sends one invocation of ev and returns what the emulator answered.
func (e *emulator) post(ev any) []byte {
	e.t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.Invoke(payload)
}

// result is one HTTP response as the client of the function URL gets it.
type result struct {
	status  int
	header  http.Header
	cookies []string
	body    []byte
}

// parseStreamed reads a streamed response: the JSON prelude with status,
// headers and cookies, 8 NUL bytes, then the body.
func parseStreamed(t *testing.T, raw []byte) *result {
	t.Helper()
	i := bytes.Index(raw, make([]byte, 8))
	if i < 0 {
		t.Fatalf("no streaming prelude in %.300q", raw)
	}
	var head struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Cookies    []string          `json:"cookies"`
	}
	if err := json.Unmarshal(raw[:i], &head); err != nil {
		t.Fatalf("prelude %q: %v", raw[:i], err)
	}
	return &result{status: head.StatusCode, header: toHeader(head.Headers), cookies: head.Cookies, body: raw[i+8:]}
}

// parseBuffered reads a buffered (payload v2) response.
func parseBuffered(t *testing.T, raw []byte) *result {
	t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil || resp.StatusCode == 0 {
		t.Fatalf("buffered response %.300q: %v", raw, err)
	}
	body := []byte(resp.Body)
	if resp.Body != "" {
		if !resp.IsBase64Encoded {
			t.Fatalf("buffered body not base64-encoded: %.100q", resp.Body)
		}
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatalf("buffered body: %v", err)
		}
	}
	return &result{status: resp.StatusCode, header: toHeader(resp.Headers), cookies: resp.Cookies, body: body}
}

func toHeader(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}
