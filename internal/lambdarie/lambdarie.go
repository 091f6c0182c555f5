// Package lambdarie runs a Lambda bootstrap under the AWS Lambda Runtime
// Interface Emulator (aws-lambda-rie), which implements Lambda's runtime API,
// for tests: the Lambda entry's own bootstrap and the ones Vercel's builder
// makes (go-bridge over aws-lambda-go) run as Lambda runs them. The
// emulator buffers a response (at most 6 MiB + 100 bytes, as Lambda's
// payload limit) and shows a streamed one as it travels: the JSON prelude,
// 8 NUL bytes, the body.
package lambdarie

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/internal/tgfake"
)

// Install is the command that installs the emulator (.ci/run runs it).
const Install = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// Binary finds aws-lambda-rie, or skips the test; on CI (CI set) a missing
// emulator fails it.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("aws-lambda-rie is not on PATH (CI is set): %s", Install)
		}
		t.Skipf("aws-lambda-rie is not on PATH; install it with: %s", Install)
	}
	return path
}

// Emulator is one aws-lambda-rie process running one bootstrap.
type Emulator struct {
	t      testing.TB
	invoke string // the invocation URL
	Logs   *tgfake.LogBuffer
}

// Start runs bootstrap under aws-lambda-rie with only the variables env
// (and PATH, HOME): nothing of the developer's environment leaks in. The
// processes are killed when the test ends.
func Start(t testing.TB, bootstrap string, env map[string]string) *Emulator {
	t.Helper()
	rie := Binary(t)
	apiPort, runtimePort := testkit.FreePort(t), testkit.FreePort(t)
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(runtimePort),
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &tgfake.LogBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		kill(cmd)
		if t.Failed() {
			t.Logf("emulator output (%s):\n%s", filepath.Base(filepath.Dir(bootstrap)), Tail(logs.String(), 6000))
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
	return &Emulator{t: t, invoke: "http://" + addr + "/2015-03-31/functions/function/invocations", Logs: logs}
}

// Invoke sends one invocation with payload and returns what the emulator
// answered: the function's response, or its error document. It fails the
// test that started the emulator; a subtest posts with Post.
func (e *Emulator) Invoke(payload []byte) []byte {
	e.t.Helper()
	raw, err := e.Post(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// Post sends one invocation with payload and returns what the emulator
// answered: the function's response, or its error document.
func (e *Emulator) Post(payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.invoke, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("invoke: emulator answered %d %.300q: %v", resp.StatusCode, raw, err)
	}
	return raw, nil
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
