package main

import (
	"encoding/json"
	"fmt"
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

// startEmulator runs the bootstrap under aws-lambda-rie with the fake
// Telegram's settings and env.
func startEmulator(t *testing.T, fake *tgfake.Server, env map[string]string) *lambdarie.Emulator {
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
	return lambdarie.Start(t, boot, all)
}

// functionURL is the function URL of the bootstrap e runs, in the invoke
// mode whose answers decode reads.
func functionURL(e *lambdarie.Emulator, decode func([]byte) (*lambdarie.Response, error)) *lambdarie.Site {
	return &lambdarie.Site{
		Route: lambdarie.Only(e),
		Event: func(method, target string, headers map[string]string, body []byte) ([]byte, error) {
			ev := functionURLEvent(method, target, headers)
			ev.Body = string(body)
			return json.Marshal(ev)
		},
		Decode: decode,
	}
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
