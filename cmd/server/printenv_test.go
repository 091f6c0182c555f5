package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// TestPrintEnv: `server -demo -print-env` runs the fake Telegram alone and
// prints what points a process at it; a second server started with only
// those variables serves the demo files from it.
func TestPrintEnv(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(serverBinary, "-demo", "-print-env")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr tgfake.LogBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	want := []string{"API_HASH", "API_ID", "BOT_TOKEN", "LOG_CHANNEL_ID", "TG_DC", "TG_DC_LIST", "TG_PUBLIC_KEYS"}
	env := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for len(env) < len(want) && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || v == "" {
			t.Fatalf("not KEY=value: %q", sc.Text())
		}
		env[k] = v
	}
	for _, k := range want {
		if env[k] == "" {
			t.Fatalf("%s not printed (got %v)\n%s", k, env, stderr.String())
		}
	}
	if pem, err := os.ReadFile(env["TG_PUBLIC_KEYS"]); err != nil || !bytes.Contains(pem, []byte("BEGIN RSA PUBLIC KEY")) {
		t.Errorf("TG_PUBLIC_KEYS %s is not a PEM file: %v %.60q", env["TG_PUBLIC_KEYS"], err, pem)
	}

	p := startServer(t, env)
	for start := time.Now(); !strings.Contains(stderr.String(), "/dl/"); time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("no demo files listed on stderr:\n%s", stderr.String())
		}
	}
	var path string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "/dl/") && strings.Contains(line, "tone.ogg") {
			path = f[0]
		}
	}
	if path == "" {
		t.Fatalf("tone.ogg not listed:\n%s", stderr.String())
	}
	resp, body := get(t, p.base+path)
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("OggS")) || resp.ContentLength != int64(len(body)) {
		t.Errorf("GET %s from a server pointed at the printed fake: %d, %d bytes %.20q", path, resp.StatusCode, len(body), body)
	}

	// -print-env alone is a usage error.
	out, err := exec.Command(serverBinary, "-print-env").CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), "-demo") {
		t.Errorf("-print-env without -demo: %v %s", err, fmt.Sprint(string(out)))
	}
}
