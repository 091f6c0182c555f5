package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/botapifake"
	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/bot"
)

// runServer runs the binary to completion with exactly env and args.
func runServer(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(serverBinary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), fmt.Sprintf("PORT=%d", testkit.FreePort(t))}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

func TestLinkFlag(t *testing.T) {
	t.Parallel()
	fake, env := fakeTelegram(t)
	video := fake.AddMessage("hand-made code", &tgfake.Media{Kind: tgfake.KindVideo, Name: "v.mp4", MIMEType: "video/mp4", Content: tgfake.Pattern(1, 5000)})
	doc := fake.AddMessage("doc-code", &tgfake.Media{Kind: tgfake.KindDocument, Name: "d.pdf", MIMEType: "application/pdf", Content: tgfake.Pattern(2, 5000)})
	nocaption := fake.AddMessage("", &tgfake.Media{Kind: tgfake.KindDocument, Name: "n.pdf", Content: tgfake.Pattern(3, 10)})
	text := fake.AddMessage("only text", nil)
	env["PUBLIC_BASE_URL"] = "https://files.example.com"
	env["WORKER_BASE_URL"] = "edge.example.workers.dev"
	// One login for the seven runs below.
	exportSession(t, env)
	logins := fake.Logins()

	code, out, errOut := runServer(t, env, "-link", fmt.Sprint(video))
	want := fmt.Sprintf(`Download:      https://files.example.com/dl/%[1]d?code=hand-made+code
Stream:        https://files.example.com/dl/%[1]d?code=hand-made+code=stream
Fast Download: https://edge.example.workers.dev/dl/%[1]d?code=hand-made+code
Fast Stream:   https://edge.example.workers.dev/dl/%[1]d?code=hand-made+code=stream
`, video)
	if code != 0 || out != want {
		t.Errorf("-link %d: exit %d\n%s\nwant\n%s\nstderr: %s", video, code, out, want, errOut)
	}
	if code, out, _ := runServer(t, env, "-link", fmt.Sprint(doc)); code != 0 || strings.Contains(out, "Stream") {
		t.Errorf("-link of a document: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		id   int
		want string
	}{{nocaption, "no caption"}, {text, "has no file"}, {9999, "not in the log channel"}} {
		code, out, errOut := runServer(t, env, "-link", fmt.Sprint(c.id))
		if code != 1 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("-link %d: exit %d, stdout %q, stderr %q; want 1 and %q", c.id, code, out, errOut, c.want)
		}
	}
	delete(env, "PUBLIC_BASE_URL")
	if code, _, errOut := runServer(t, env, "-link", fmt.Sprint(video)); code != 2 || !strings.Contains(errOut, "PUBLIC_BASE_URL") {
		t.Errorf("-link without a base URL: exit %d %q", code, errOut)
	}
	if n := fake.Logins() - logins; n != 0 {
		t.Errorf("-link with TG_SESSION logged in %d times", n)
	}
}

func TestLinkFlagWithDemo(t *testing.T) {
	t.Parallel()
	code, out, errOut := runServer(t, nil, "-demo", "-link", "1")
	if code != 0 || !strings.Contains(out, "/dl/1?code=demo-video=stream") {
		t.Errorf("-demo -link 1: exit %d\n%s\n%s", code, out, errOut)
	}
}

// fakeBotAPI starts the fake Telegram with a Bot API over it; env points
// the binary at both. The Bot API closes after the test's server
// processes (cleanups run last first), so that a long poll still open
// does not hold its Close.
func fakeBotAPI(t *testing.T) (*botapifake.Server, map[string]string) {
	t.Helper()
	fake, env := fakeTelegram(t)
	botAPI := botapifake.New(fake, "", 0)
	srv := httptest.NewServer(botAPI)
	t.Cleanup(srv.Close)
	env["BOT_API_URL"] = srv.URL
	return botAPI, env
}

// -set-webhook and -print-webhook-secret need BOT_TOKEN and the public
// https URL only: env holds nothing of MTProto or the channel.
func TestSetWebhookFlag(t *testing.T) {
	t.Parallel()
	botAPI, fakeEnv := fakeBotAPI(t)
	env := map[string]string{"BOT_TOKEN": tgfake.DefaultBotToken, "BOT_API_URL": fakeEnv["BOT_API_URL"], "PUBLIC_BASE_URL": "https://files.example.com"}
	secret := bot.WebhookSecret(tgfake.DefaultBotToken)
	code, out, errOut := runServer(t, env, "-set-webhook")
	wh := botAPI.Webhook()
	if code != 0 || wh.URL != "https://files.example.com/telegram" || wh.Secret != secret || strings.Join(wh.AllowedUpdates, ",") != "message,channel_post" {
		t.Errorf("-set-webhook: exit %d %q %q, webhook %+v", code, out, errOut, wh)
	}
	if strings.Contains(out+errOut, secret) || strings.Contains(out+errOut, tgfake.DefaultBotToken) {
		t.Errorf("-set-webhook printed a secret:\n%s%s", out, errOut)
	}
	if !strings.Contains(out, `"secret_token":"********"`) {
		t.Errorf("-set-webhook printed no masked curl:\n%s", out)
	}

	// The curl it prints with -show-secret makes the same call.
	code, out, errOut = runServer(t, env, "-set-webhook", "-show-secret", "-url", "https://other.example.com")
	curl := regexp.MustCompile(`(?m)^  (curl .*)$`).FindStringSubmatch(out)
	if code != 0 || curl == nil || !strings.Contains(curl[1], secret) || botAPI.Webhook().URL != "https://other.example.com/telegram" {
		t.Fatalf("-set-webhook -show-secret -url: exit %d\n%s%s", code, out, errOut)
	}
	calls := botAPI.Calls("setWebhook")
	sh := exec.Command("sh", "-c", curl[1])
	sh.Env = []string{"PATH=" + os.Getenv("PATH"), "BOT_TOKEN=" + tgfake.DefaultBotToken}
	if res, err := sh.CombinedOutput(); err != nil || !strings.Contains(string(res), `"ok":true`) || botAPI.Calls("setWebhook") != calls+1 {
		t.Errorf("the printed curl: %v %s (setWebhook calls %d, want %d)", err, res, botAPI.Calls("setWebhook"), calls+1)
	}
	if wh := botAPI.Webhook(); wh.URL != "https://other.example.com/telegram" || wh.Secret != secret || len(wh.AllowedUpdates) != 2 {
		t.Errorf("after the printed curl: webhook %+v", wh)
	}

	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"plain http", map[string]string{"PUBLIC_BASE_URL": "http://files.example.com"}, nil, 2, "must start with https://"},
		{"http flag", nil, []string{"-url", "http://files.example.com"}, 2, "must start with https://"},
		{"bad flag", nil, []string{"-url", "https://files.example.com/path"}, 2, "-url must be"},
		{"no URL", map[string]string{"PUBLIC_BASE_URL": ""}, nil, 2, "no public URL"},
		{"no token", map[string]string{"BOT_TOKEN": ""}, nil, 2, "BOT_TOKEN"},
		{"refused", nil, nil, 1, "HTTPS url must be provided"},
	} {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		for k, v := range c.env {
			e[k] = v
		}
		if c.name == "refused" {
			botAPI.FailNext("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided for webhook", 1)
		}
		code, out, errOut := runServer(t, e, append([]string{"-set-webhook"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) || strings.Contains(out+errOut, tgfake.DefaultBotToken) || strings.Contains(out+errOut, secret) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d and %q", c.name, code, out, errOut, c.code, c.want)
		}
		if c.code == 2 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s: not one line: %q", c.name, errOut)
		}
	}
}

func TestPrintWebhookSecretFlag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"BOT_TOKEN": tgfake.DefaultBotToken}, bot.WebhookSecret(tgfake.DefaultBotToken)},
		{map[string]string{"BOT_TOKEN": tgfake.DefaultBotToken, "BOT_WEBHOOK_SECRET": "rotated_secret_0001"}, "rotated_secret_0001"},
	} {
		if code, out, errOut := runServer(t, c.env, "-print-webhook-secret"); code != 0 || out != c.want+"\n" {
			t.Errorf("-print-webhook-secret with %v: exit %d %q %q, want %q", c.env, code, out, errOut, c.want)
		}
	}
}

func TestBotPollFlag(t *testing.T) {
	t.Parallel()
	botAPI, env := fakeBotAPI(t)
	p := startServer(t, env, "-bot-poll")
	m := &tgfake.Media{Kind: tgfake.KindDocument, Name: "polled.txt", MIMEType: "text/plain", Content: tgfake.Bytes([]byte("by long polling\n"))}
	botAPI.Queue(botAPI.Update(botAPI.UserMessage(botapifake.Private(77), 77, "", m, nil)))
	deadline := time.Now().Add(30 * time.Second)
	for len(botAPI.Sent()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	sent := botAPI.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages\n%s", len(sent), p.out.String())
	}
	link := regexp.MustCompile(`http://localhost:\d+/dl/\d+\?code=[A-Za-z0-9_-]+`).FindString(sent[0].Params["text"].(string))
	if link == "" {
		t.Fatalf("no link in %q", sent[0].Params["text"])
	}
	resp, body := get(t, link)
	if resp.StatusCode != 200 || string(body) != "by long polling\n" {
		t.Errorf("GET %s: %d %q", link, resp.StatusCode, body)
	}
}

// The README's demo curl, run against `server -demo`.
func TestReadmeDemoCurl(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`curl -s localhost:8080/telegram -H '` + bot.SecretHeader + `: ([A-Za-z0-9_-]+)' -d '([^']+)'`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no demo curl for /telegram")
	}
	p := startServer(t, nil, "-demo")
	req, _ := http.NewRequest(http.MethodPost, p.base+"/telegram", bytes.NewReader(m[2]))
	req.Header.Set(bot.SecretHeader, string(m[1]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var call struct {
		Method      string                   `json:"method"`
		ReplyMarkup bot.InlineKeyboardMarkup `json:"reply_markup"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&call); err != nil || resp.StatusCode != 200 || call.Method != "sendMessage" || len(call.ReplyMarkup.InlineKeyboard) == 0 {
		t.Fatalf("README curl: %d %v %+v\n%s", resp.StatusCode, err, call, p.out.String())
	}
	dl := call.ReplyMarkup.InlineKeyboard[0][0].URL
	got, body := get(t, strings.Replace(dl, "localhost", "127.0.0.1", 1))
	if got.StatusCode != 200 || !bytes.Equal(body[4:8], []byte("ftyp")) {
		t.Errorf("the link of the README curl: %d", got.StatusCode)
	}
	if !strings.Contains(p.out.String(), string(m[1])) {
		t.Errorf("the demo does not print the README's secret:\n%s", p.out.String())
	}
}
