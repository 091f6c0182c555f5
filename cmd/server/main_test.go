package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
)

func TestWithoutCredentialsExitsNamingThem(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(serverBinary)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=/usr/bin:/bin", "API_HASH=x"}
	out, err := cmd.CombinedOutput()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want status 2\n%s", err, out)
	}
	for _, name := range []string{"API_ID", "BOT_TOKEN", "LOG_CHANNEL_ID", "-demo"} {
		if !strings.Contains(string(out), name) {
			t.Errorf("output does not name %s: %s", name, out)
		}
	}
	if strings.Contains(string(out), "API_HASH,") {
		t.Errorf("API_HASH is set but reported missing: %s", out)
	}
}

func TestInvalidConfigurationExitsNamingEveryVariable(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(serverBinary)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"API_ID=abc", "API_HASH=h", "BOT_TOKEN=secret-token-value", "LOG_CHANNEL_ID=-100x", "PORT=0"}
	out, _ := cmd.CombinedOutput()
	for _, name := range []string{"API_ID", "BOT_TOKEN", "LOG_CHANNEL_ID", "PORT"} {
		if !strings.Contains(string(out), name) {
			t.Errorf("output does not name %s: %s", name, out)
		}
	}
	if strings.Contains(string(out), "secret-token-value") {
		t.Errorf("output repeats the bot token: %s", out)
	}
}

func TestServesTheFakeTelegram(t *testing.T) {
	t.Parallel()
	fake, env := fakeTelegram(t)
	content := tgfake.Pattern(3, 5<<20+321)
	id := fake.AddMessage("secret-code-42", &tgfake.Media{Kind: "document", Name: "data.bin", MIMEType: "application/octet-stream", Content: content})
	p := startServer(t, env)

	resp, body := get(t, fmt.Sprintf("%s/dl/%d?code=secret-code-42", p.base, id), "Range", "bytes=1048575-3145728")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, tgfake.ReadRange(t, content, 1048575, 3145728)) {
		t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, body = get(t, fmt.Sprintf("%s/dl/%d?code=secret-code-42", p.base, id))
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, tgfake.ReadRange(t, content, 0, content.Size()-1)) {
		t.Fatalf("whole file: %d, %d bytes", resp.StatusCode, len(body))
	}
	before := fake.Calls(tg.UploadGetFileRequestTypeID)
	req, _ := http.NewRequest(http.MethodHead, fmt.Sprintf("%s/dl/%d?code=secret-code-42", p.base, id), nil)
	head, err := http.DefaultClient.Do(req)
	if err != nil || head.StatusCode != 200 || head.ContentLength != content.Size() {
		t.Fatalf("HEAD: %v %v", err, head)
	}
	if n := fake.Calls(tg.UploadGetFileRequestTypeID) - before; n != 0 {
		t.Errorf("HEAD made %d getFile calls", n)
	}
	resp, body = get(t, fmt.Sprintf("%s/dl/%d?code=wrong", p.base, id))
	if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "secret-code-42") {
		t.Errorf("wrong code: %d %q", resp.StatusCode, body)
	}
	if fake.Logins() != 1 {
		t.Errorf("%d logins", fake.Logins())
	}

	// Logs: one line per request, never the code or the token.
	time.Sleep(100 * time.Millisecond)
	logs := p.out.String()
	for _, secret := range []string{"secret-code-42", tgfake.DefaultBotToken, "code=wrong"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret (%q):\n%s", secret, logs)
		}
	}
	if !regexp.MustCompile(`status=206`).MatchString(logs) {
		t.Errorf("no request log line with the status:\n%s", logs)
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	_, env := fakeTelegram(t)
	p := startServer(t, env)
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", p.err, p.out.String())
		}
	case <-time.After(12 * time.Second):
		t.Fatal("no exit 12s after SIGTERM")
	}
}

// exportSession logs in once with -export-session and sets env's
// TG_SESSION to the session it prints: a server started with env does not
// log in again (no key exchange: about a second of CPU per process).
func exportSession(t *testing.T, env map[string]string) string {
	t.Helper()
	code, out, errOut := runServer(t, env, "-export-session")
	session, ok := strings.CutPrefix(strings.TrimSpace(out), "TG_SESSION=")
	if code != 0 || !ok || session == "" {
		t.Fatalf("-export-session: exit %d, stdout %q\n%s", code, out, errOut)
	}
	env["TG_SESSION"] = session
	return session
}

func TestExportSessionSkipsLoginOnNextStart(t *testing.T) {
	t.Parallel()
	fake, env := fakeTelegram(t)
	id := fake.AddMessage("c", &tgfake.Media{Kind: "document", Name: "a.txt", MIMEType: "text/plain", Content: tgfake.Bytes([]byte("hello"))})
	session := exportSession(t, env)
	logins := fake.Logins()
	p := startServer(t, env)
	resp, body := get(t, fmt.Sprintf("%s/dl/%d?code=c", p.base, id))
	if resp.StatusCode != 200 || string(body) != "hello" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if n := fake.Logins() - logins; n != 0 {
		t.Errorf("the server with TG_SESSION logged in %d times", n)
	}
	if strings.Contains(p.out.String(), session[:20]) {
		t.Error("the log holds the session")
	}
}

func TestDemoServesSamplesAndListsThem(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-demo")
	if !strings.Contains(p.out.String(), "/stream/1?code=") {
		t.Errorf("the demo prints no links:\n%s", p.out.String())
	}
	resp, body := get(t, p.base+"/demo.json")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"streamUrl"`) {
		t.Fatalf("/demo.json: %d %s", resp.StatusCode, firstLine(string(body)))
	}
	resp, body = get(t, p.base+"/dl/1?code=demo-video", "Range", "bytes=0-7")
	if resp.StatusCode != 206 || len(body) != 8 || string(body[4:8]) != "ftyp" {
		t.Errorf("demo video: %d %q", resp.StatusCode, body)
	}
}
