package main

// Black-box tests of the server binary: built once, started from an empty
// working directory with only environment variables, as a deployment runs it.

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/internal/tgfake"
)

var serverBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "filetolink-server-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBinary = filepath.Join(dir, "server")
	build := exec.Command("go", "build", "-o", serverBinary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build server:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// serverProcess is a running server binary.
type serverProcess struct {
	cmd  *exec.Cmd
	base string
	out  *tgfake.LogBuffer // stdout and stderr
	done chan struct{}     // closed when the process has exited
	err  error             // why it exited; set before done closes
}

// startServer runs the binary with exactly env (plus PATH) in an empty
// directory and waits until GET / answers. A port taken between
// FreePort's check and the server's listen (another test's connection got
// it) is replaced by another.
func startServer(t testing.TB, env map[string]string, args ...string) *serverProcess {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := launch(t, env, args...)
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(p.base + "/")
			if err == nil {
				resp.Body.Close()
				return p
			}
			select {
			case <-p.done:
				if attempt < 3 && strings.Contains(p.out.String(), "address already in use") {
					break
				}
				t.Fatalf("server exited: %v\n%s", p.err, p.out.String())
			default:
				if time.Now().After(deadline) {
					t.Fatalf("server not up after 20s\n%s", p.out.String())
				}
				time.Sleep(50 * time.Millisecond)
				continue
			}
			break
		}
		t.Logf("port taken, another: %s", lastLines(p.out.String(), 1))
	}
}

// launch starts the binary on a free port; the test's cleanup stops it.
func launch(t testing.TB, env map[string]string, args ...string) *serverProcess {
	t.Helper()
	port := testkit.FreePort(t)
	cmd := exec.Command(serverBinary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), fmt.Sprintf("PORT=%d", port)}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &serverProcess{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), out: &tgfake.LogBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Owned by the test: the cleanup waits for it.
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// fakeTelegram starts the fake and returns the environment a deployment
// against it gets.
func fakeTelegram(t testing.TB) (*tgfake.Server, map[string]string) {
	t.Helper()
	fake := tgfake.NewTest(t, tgfake.Options{})
	env, err := fake.Env(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return fake, env
}

func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s: %v", url, err)
	}
	return resp, body
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	line, _, _ := bufio.NewReader(strings.NewReader(s)).ReadLine()
	return string(line)
}
