package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// This file runs the real bootstrap binary under the AWS Lambda Runtime
// Interface Emulator (aws-lambda-rie), which implements Lambda's runtime API,
// and posts function-URL events to it. The emulator buffers a response
// (at most 6 MiB + 100 bytes) and shows a streamed one as it travels: the
// JSON prelude, 8 NUL bytes, the body.

const rieInstall = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// rieBinary finds aws-lambda-rie, or skips the test (fails it on CI).
func rieBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the Lambda bootstrap; skipped with -short")
	}
	path, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("aws-lambda-rie is not on PATH (CI=true): %s", rieInstall)
		}
		t.Skipf("aws-lambda-rie is not on PATH; install it with: %s", rieInstall)
	}
	return path
}

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
	t      *testing.T
	invoke string // the invocation URL
	logs   *tgfake.LogBuffer
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startEmulator runs the bootstrap under aws-lambda-rie with the fake
// Telegram's settings and env (a minimal environment: nothing of the
// developer's leaks in). The processes are killed when the test ends.
func startEmulator(t *testing.T, fake *tgfake.Server, env map[string]string) *emulator {
	t.Helper()
	rie := rieBinary(t)
	boot := buildBootstrap(t)
	tgEnv, err := fake.Env(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	apiPort, runtimePort := freePort(t), freePort(t)
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(runtimePort),
		boot)
	cmd.Dir = filepath.Dir(boot)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_LAMBDA_FUNCTION_NAME=filetolink", "LOG_LEVEL=warn"}
	for k, v := range tgEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &tgfake.LogBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The emulator starts the bootstrap in a process group of its own:
		// end both by their ids.
		for _, pid := range append(childPIDs(cmd.Process.Pid), cmd.Process.Pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("emulator output:\n%s", tail(logs.String(), 6000))
		}
	})
	addr := "127.0.0.1:" + strconv.Itoa(apiPort)
	for start := time.Now(); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("emulator not listening on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &emulator{t: t, invoke: "http://" + addr + "/2015-03-31/functions/function/invocations", logs: logs}
}

// childPIDs lists the descendants of pid.
func childPIDs(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(s); err == nil {
				out = append(out, childPIDs(child)...)
				out = append(out, child)
			}
		}
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
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

// post sends one invocation and returns what the emulator answered.
func (e *emulator) post(ev any) []byte {
	e.t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.invoke, bytes.NewReader(payload))
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("invoke: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("invoke: emulator answered %d %.300q: %v", resp.StatusCode, raw, err)
	}
	return raw
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
