package bot_test

// End to end: an update as Telegram posts it to POST /telegram of the whole
// service (app.New over the fake MTProto Telegram), the bot copying the
// file through the fake Bot API (which posts it into the fake's log
// channel), the reply with links, and the links downloaded.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/botapifake"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/internal/tgfake/tgfakeclient"
	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/bot"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

// site is the service over the fake Telegram and the fake Bot API.
type site struct {
	fake   *tgfake.Server
	botAPI *botapifake.Server
	app    *app.App
	srv    *httptest.Server
	logs   *tgfake.LogBuffer
	secret string
}

func newSite(t *testing.T, tune func(*config.Config)) *site {
	t.Helper()
	fake, botAPI, apiURL := fakes(t)
	cfg := config.Config{
		APIID: tgfake.DefaultAPIID, APIHash: tgfake.DefaultAPIHash, BotToken: tgfake.DefaultBotToken,
		ChannelID: tgfake.DefaultChannelID, DC: fake.HomeDC(),
		Bot: config.Bot{APIURL: apiURL},
	}
	if tune != nil {
		tune(&cfg)
	}
	return startSite(t, fake, botAPI, cfg, app.Options{
		Telegram: func(o *tgclient.Options) {
			f := tgfakeclient.Options(fake)
			o.DCList, o.PublicKeys, o.Resolver, o.DC = f.DCList, f.PublicKeys, f.Resolver, f.DC
		},
	})
}

// fakes starts a fake Telegram and a fake Bot API over it (at apiURL) for
// the test; -short skips the test.
func fakes(t *testing.T) (*tgfake.Server, *botapifake.Server, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against the fake Telegram")
	}
	fake := tgfake.NewTest(t, tgfake.Options{})
	botAPI := botapifake.New(fake, "", 0)
	apiSrv := httptest.NewServer(botAPI)
	t.Cleanup(apiSrv.Close)
	return fake, botAPI, apiSrv.URL
}

// startSite starts an App of cfg with opts (and a logger of its own) over
// fake and botAPI, logged in; at the end of the test it closes it and
// fails the test if a secret reached its log.
func startSite(t *testing.T, fake *tgfake.Server, botAPI *botapifake.Server, cfg config.Config, opts app.Options) *site {
	t.Helper()
	logs := &tgfake.LogBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	a, err := app.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	login(t, a)
	s := &site{fake: fake, botAPI: botAPI, app: a, srv: httptest.NewServer(a.Handler), logs: logs, secret: bot.WebhookSecret(cfg.BotToken)}
	t.Cleanup(func() {
		s.srv.Close()
		a.Close()
		if strings.Contains(logs.String(), cfg.BotToken) || strings.Contains(logs.String(), s.secret) {
			t.Errorf("a secret reached the log:\n%s", logs.String())
		}
	})
	return s
}

// login waits until a's Telegram client is logged in, so that downloads do
// not depend on how long a login takes on a busy machine (the client waits
// for it only so long per request).
func login(t *testing.T, a *app.App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		_, err := a.Telegram.API(ctx)
		if err == nil {
			return
		}
		if !errors.Is(err, tgclient.ErrNotConnected) || ctx.Err() != nil {
			t.Fatalf("login: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// post sends update to /telegram with the secret (or the given one) and
// returns the status and body.
func (s *site) post(t *testing.T, update any, secret ...string) (int, []byte) {
	t.Helper()
	var body []byte
	switch u := update.(type) {
	case []byte:
		body = u
	default:
		var err error
		if body, err = json.Marshal(u); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/telegram", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sec := s.secret
	if len(secret) > 0 {
		sec = secret[0]
	}
	if sec != "" {
		req.Header.Set(bot.SecretHeader, sec)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// reply posts update and decodes the sendMessage it must answer with.
// sendFile posts the update of file m sent to the bot by user, and
// returns the bot's answer.
func (s *site) sendFile(t *testing.T, m *tgfake.Media) map[string]any {
	t.Helper()
	return s.send(t, botapifake.Private(user), user, "", m, nil)
}

// send posts the update of a message from user in chat (text, a file m,
// a reply to replyTo; each may be empty) and returns the bot's answer.
func (s *site) send(t *testing.T, chat botapifake.Chat, user int64, text string, m *tgfake.Media, replyTo map[string]any) map[string]any {
	t.Helper()
	return s.reply(t, s.botAPI.Update(s.botAPI.UserMessage(chat, user, text, m, replyTo)))
}

func (s *site) reply(t *testing.T, update any) map[string]any {
	t.Helper()
	status, body := s.post(t, update)
	if status != http.StatusOK {
		t.Fatalf("POST /telegram: %d %s", status, body)
	}
	var call map[string]any
	if err := json.Unmarshal(body, &call); err != nil {
		t.Fatalf("answer is not a method call: %q", body)
	}
	if call["method"] != "sendMessage" {
		t.Fatalf("answer %v, want sendMessage", call)
	}
	return call
}

// buttons are a reply's buttons by label.
func buttons(t *testing.T, call map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	rm, _ := call["reply_markup"].(map[string]any)
	rows, _ := rm["inline_keyboard"].([]any)
	for _, row := range rows {
		for _, b := range row.([]any) {
			b := b.(map[string]any)
			out[b["text"].(string)] = b["url"].(string)
		}
	}
	return out
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: time.Minute}
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

const user = 4242

func sample(kind string, name string, size int64, seed uint64) *tgfake.Media {
	m := &tgfake.Media{Kind: kind, Name: name, Content: tgfake.Pattern(seed, size)}
	switch kind {
	case tgfake.KindVideo, tgfake.KindVideoNote, tgfake.KindAnimation:
		m.MIMEType, m.Width, m.Height, m.Duration = "video/mp4", 320, 180, 3
	case tgfake.KindAudio:
		m.MIMEType, m.Duration = "audio/mpeg", 3
	case tgfake.KindVoice:
		m.MIMEType, m.Duration = "audio/ogg", 3
	case tgfake.KindPhoto:
		m.MIMEType, m.Width, m.Height = "image/jpeg", 640, 360
	case tgfake.KindSticker:
		m.MIMEType, m.Width, m.Height = "image/webp", 512, 512
	default:
		m.MIMEType = "application/pdf"
	}
	return m
}

// Every media kind: sent to the bot in a private chat, answered with links
// whose download gives the very bytes, and a Stream button for what plays.
func TestLinkForEachKind(t *testing.T) {
	s := newSite(t, nil)
	for i, tc := range []struct {
		kind, name string
		stream     bool
	}{
		{tgfake.KindDocument, "report.pdf", false},
		{tgfake.KindVideo, "clip.mp4", true},
		{tgfake.KindAudio, "song.mp3", true},
		{tgfake.KindVoice, "", true},
		{tgfake.KindVideoNote, "", true},
		{tgfake.KindAnimation, "funny.mp4", true},
		{tgfake.KindPhoto, "", false},
		{tgfake.KindSticker, "", false},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			m := sample(tc.kind, tc.name, int64(300<<10+i*7919), uint64(100+i))
			msg := s.botAPI.UserMessage(botapifake.Private(user), user, "", m, nil)
			call := s.reply(t, s.botAPI.Update(msg))
			text := call["text"].(string)
			if tc.name != "" && !strings.Contains(text, tc.name) {
				t.Errorf("reply does not name the file %q:\n%s", tc.name, text)
			}
			if !strings.Contains(text, "KiB") {
				t.Errorf("reply has no size:\n%s", text)
			}
			btn := buttons(t, call)
			dl := btn["Download"]
			if dl == "" {
				t.Fatalf("no Download button: %v", call["reply_markup"])
			}
			if _, ok := btn["Stream"]; ok != tc.stream {
				t.Errorf("Stream button %v, want %v", ok, tc.stream)
			}
			res, body := get(t, dl)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", dl, res.StatusCode, body)
			}
			want := sha256.Sum256(tgfake.ReadRange(t, m.Content, 0, m.Content.Size()-1))
			if got := sha256.Sum256(body); got != want {
				t.Errorf("downloaded %d bytes, SHA-256 differs from the %d sent", len(body), m.Content.Size())
			}
			if tc.stream {
				res, _ := get(t, btn["Stream"])
				if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/stream/") {
					t.Errorf("stream link: %d Location %q, want 303 to the player", res.StatusCode, res.Header.Get("Location"))
				}
			}
		})
	}
}

// /fdl (and /link) in reply to a file in a group; commands for other bots
// and plain chatter are left alone.
func TestFdlInGroup(t *testing.T) {
	s := newSite(t, nil)
	group := botapifake.Chat{ID: -5555, Type: "supergroup"}
	m := sample(tgfake.KindVideo, "group.mp4", 100<<10, 7)
	file := s.botAPI.UserMessage(group, user, "", m, nil)
	if status, body := s.post(t, s.botAPI.Update(file)); status != 200 || !strings.HasPrefix(string(body), "ignored") {
		t.Errorf("a file in a group without /fdl: %d %q, want ignored", status, body)
	}
	for _, cmd := range []string{"/fdl", "/link@" + botapifake.BotUsername} {
		call := s.send(t, group, user, cmd, nil, file)
		if buttons(t, call)["Download"] == "" {
			t.Errorf("%s: no links: %v", cmd, call["text"])
		}
	}
	captioned := s.botAPI.UserMessage(group, user, "/fdl", sample(tgfake.KindDocument, "captioned.pdf", 3000, 8), nil)
	if call := s.reply(t, s.botAPI.Update(captioned)); buttons(t, call)["Download"] == "" {
		t.Errorf("a file with /fdl as its caption: %v", call["text"])
	}
	status, body := s.post(t, s.botAPI.Update(s.botAPI.UserMessage(group, user, "/fdl@other_bot", nil, file)))
	if status != 200 || !strings.Contains(string(body), "another bot") {
		t.Errorf("/fdl@other_bot: %d %q", status, body)
	}
	call := s.send(t, group, user, "/fdl", nil, nil)
	if !strings.Contains(call["text"].(string), "Reply to a file") {
		t.Errorf("/fdl without a reply: %q", call["text"])
	}
}

// Without the right secret token: 401 and nothing done.
func TestWebhookSecret(t *testing.T) {
	s := newSite(t, nil)
	msg := s.botAPI.UserMessage(botapifake.Private(user), user, "", sample(tgfake.KindDocument, "a.pdf", 1000, 1), nil)
	upd := s.botAPI.Update(msg)
	for _, secret := range []string{"", "wrong", s.secret + "x", strings.ToUpper(s.secret)} {
		status, body := s.post(t, upd, secret)
		if status != http.StatusUnauthorized {
			t.Errorf("secret %q: %d %q, want 401", secret, status, body)
		}
	}
	res, _ := get(t, s.srv.URL+"/telegram")
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /telegram without the secret: %d, want 401", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/telegram", nil)
	req.Header.Set(bot.SecretHeader, s.secret)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST" {
		t.Errorf("GET /telegram with the secret: %v %v, want 405 Allow: POST", res, err)
	} else {
		res.Body.Close()
	}
	if n := s.botAPI.Calls("copyMessage"); n != 0 {
		t.Errorf("copyMessage called %d times for refused requests", n)
	}
	// The same update with the secret is then handled (it was not recorded).
	if call := s.reply(t, upd); buttons(t, call)["Download"] == "" {
		t.Errorf("with the secret: %v", call["text"])
	}
}

// BOT_WEBHOOK_SECRET replaces the derived secret.
func TestWebhookSecretOverride(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.Bot.WebhookSecret = "my-own_secret-0123" })
	upd := s.botAPI.Update(s.botAPI.UserMessage(botapifake.Private(user), user, "/start", nil, nil))
	if status, _ := s.post(t, upd); status != http.StatusUnauthorized {
		t.Errorf("derived secret with an override set: %d, want 401", status)
	}
	if status, _ := s.post(t, upd, "my-own_secret-0123"); status != http.StatusOK {
		t.Errorf("override secret: %d, want 200", status)
	}
}

// BOT_ALLOWED_USERS: others are told so and nothing is copied.
func TestNotAllowedUser(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.Bot.AllowedUsers = []int64{user} })
	stranger := int64(999)
	m := sample(tgfake.KindDocument, "x.pdf", 5000, 3)
	call := s.send(t, botapifake.Private(stranger), stranger, "", m, nil)
	if !strings.Contains(call["text"].(string), "not allowed") || len(buttons(t, call)) != 0 {
		t.Errorf("stranger got: %v", call)
	}
	if n := s.botAPI.Calls("copyMessage"); n != 0 {
		t.Errorf("copyMessage called %d times for a stranger", n)
	}
	call = s.sendFile(t, m)
	if buttons(t, call)["Download"] == "" {
		t.Errorf("allowed user got: %v", call["text"])
	}
}

// /revoke in reply to the link message: the link then answers 404, and the
// same file sent again gets a new copy. Others cannot revoke.
func TestRevoke(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.Bot.AllowedUsers = []int64{user} })
	chat := botapifake.Private(user)
	m := sample(tgfake.KindVideo, "secret.mp4", 200<<10, 9)
	call := s.sendFile(t, m)
	dl := buttons(t, call)["Download"]
	if res, _ := get(t, dl); res.StatusCode != http.StatusOK {
		t.Fatalf("before revoke: %d", res.StatusCode)
	}
	linkMsg, err := s.botAPI.BotMessage(call)
	if err != nil {
		t.Fatal(err)
	}

	// A user who is not allowed, in a group where the link was forwarded.
	group := botapifake.Chat{ID: -777, Type: "group"}
	stranger := int64(31337)
	refused := s.send(t, group, stranger, "/revoke", nil, linkMsg)
	if !strings.Contains(refused["text"].(string), "not allowed") {
		t.Errorf("stranger's /revoke: %q", refused["text"])
	}
	// /revoke replying to a message that is not the bot's.
	own := s.botAPI.UserMessage(chat, user, "look "+dl, nil, nil)
	if r := s.send(t, chat, user, "/revoke", nil, own); !strings.Contains(r["text"].(string), "Reply to one of my link messages") {
		t.Errorf("/revoke on a user's message: %q", r["text"])
	}
	if res, _ := get(t, dl); res.StatusCode != http.StatusOK {
		t.Fatalf("refused revokes broke the link: %d", res.StatusCode)
	}

	done := s.send(t, chat, user, "/revoke", nil, linkMsg)
	if !strings.Contains(done["text"].(string), "Revoked") {
		t.Fatalf("/revoke: %q", done["text"])
	}
	if res, body := get(t, dl); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
		t.Errorf("revoked link: %d %s, want 404 or 403", res.StatusCode, body)
	}
	again := s.sendFile(t, m)
	dl2 := buttons(t, again)["Download"]
	if dl2 == "" || dl2 == dl {
		t.Fatalf("after revoke the same file got %q (old %q)", dl2, dl)
	}
	if res, _ := get(t, dl2); res.StatusCode != http.StatusOK {
		t.Errorf("new link after revoke: %d", res.StatusCode)
	}
}

// Revoking when Telegram refuses the delete: the caption is replaced.
func TestRevokeByCaption(t *testing.T) {
	s := newSite(t, nil)
	chat := botapifake.Private(user)
	call := s.sendFile(t, sample(tgfake.KindDocument, "d.pdf", 4096, 11))
	dl := buttons(t, call)["Download"]
	linkMsg, err := s.botAPI.BotMessage(call)
	if err != nil {
		t.Fatal(err)
	}
	s.botAPI.FailNext("deleteMessage", 400, "Bad Request: message can't be deleted", 1)
	if r := s.send(t, chat, user, "/revoke", nil, linkMsg); !strings.Contains(r["text"].(string), "Revoked") {
		t.Fatalf("/revoke: %q", r["text"])
	}
	if res, _ := get(t, dl); res.StatusCode != http.StatusForbidden {
		t.Errorf("link after its caption changed: %d, want 403", res.StatusCode)
	}
}

// A redelivered update is answered 2xx and not handled again.
func TestRedelivery(t *testing.T) {
	s := newSite(t, nil)
	upd := s.botAPI.Update(s.botAPI.UserMessage(botapifake.Private(user), user, "", sample(tgfake.KindAudio, "a.mp3", 9000, 5), nil))
	s.reply(t, upd)
	status, body := s.post(t, upd)
	if status != http.StatusOK || !strings.Contains(string(body), "already handled") {
		t.Errorf("redelivery: %d %q", status, body)
	}
	if n := s.botAPI.Calls("copyMessage"); n != 1 {
		t.Errorf("copyMessage called %d times, want 1", n)
	}
}

// Malformed bodies: 2xx (Telegram must not redeliver them), nothing done.
func TestMalformedUpdate(t *testing.T) {
	s := newSite(t, nil)
	for _, body := range []string{"", "{", "not json", `{"update_id":"x"}`, `{}`, `[]`, `{"update_id":-1}`, strings.Repeat(" ", 2<<20)} {
		status, answer := s.post(t, []byte(body))
		if status != http.StatusOK || !strings.Contains(string(answer), "malformed") {
			t.Errorf("body %.20q: %d %q, want 200 malformed", body, status, answer)
		}
	}
	// Well-formed but nothing for the bot: an edited message, a channel post.
	status, answer := s.post(t, []byte(`{"update_id":77,"edited_message":{"message_id":1,"chat":{"id":1,"type":"private"}}}`))
	if status != http.StatusOK || !strings.HasPrefix(string(answer), "ignored") {
		t.Errorf("edited_message: %d %q", status, answer)
	}
}

// Messages without a file get the help, or say there is no file.
func TestUpdateWithoutFile(t *testing.T) {
	s := newSite(t, nil)
	chat := botapifake.Private(user)
	for _, text := range []string{"/start", "hello"} {
		call := s.send(t, chat, user, text, nil, nil)
		if !strings.Contains(call["text"].(string), "Send me a file") {
			t.Errorf("%q: %q, want the help", text, call["text"])
		}
	}
	plain := s.botAPI.UserMessage(chat, user, "just text", nil, nil)
	call := s.send(t, chat, user, "/fdl", nil, plain)
	if !strings.Contains(call["text"].(string), "no file") {
		t.Errorf("/fdl on text: %q", call["text"])
	}
}

// Telegram failing during the copy: a clear message to the user, 2xx to
// Telegram; the next try works.
func TestCopyFails(t *testing.T) {
	s := newSite(t, nil)
	m := sample(tgfake.KindDocument, "f.pdf", 5000, 13)
	for _, f := range []struct {
		code int
		desc string
	}{
		{500, "Internal Server Error"},
		{429, "Too Many Requests: retry after 1"},
		{400, "Bad Request: not enough rights to send documents to the chat"},
	} {
		s.botAPI.FailNext("copyMessage", f.code, f.desc, 1)
		call := s.sendFile(t, m)
		if text := call["text"].(string); !strings.Contains(text, "could not copy") || !strings.Contains(text, f.desc) || len(buttons(t, call)) != 0 {
			t.Errorf("%d: %q", f.code, text)
		}
	}
	call := s.sendFile(t, m)
	if buttons(t, call)["Download"] == "" {
		t.Errorf("after failures: %q", call["text"])
	}
}

// Telegram's Bot API unreachable: still a 2xx and a message.
func TestBotAPIUnreachable(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.Bot.APIURL = "http://127.0.0.1:1" })
	call := s.sendFile(t, sample(tgfake.KindDocument, "g.pdf", 100, 1))
	if !strings.Contains(call["text"].(string), "could not be reached") {
		t.Errorf("%q", call["text"])
	}
}

// The same file sent twice reuses its copy (this process's store).
func TestSameFileReusesCopy(t *testing.T) {
	s := newSite(t, nil)
	m := sample(tgfake.KindVideo, "same.mp4", 50000, 21)
	a := buttons(t, s.sendFile(t, m))["Download"]
	b := buttons(t, s.sendFile(t, m))["Download"]
	if a != b || s.botAPI.Calls("copyMessage") != 1 {
		t.Errorf("links %q and %q, %d copies; want one copy", a, b, s.botAPI.Calls("copyMessage"))
	}
}

// Names are HTML-escaped in the reply.
func TestReplyEscapesName(t *testing.T) {
	s := newSite(t, nil)
	m := sample(tgfake.KindDocument, `<b>x<i>&"y".pdf`, 100, 2)
	call := s.sendFile(t, m)
	text := call["text"].(string)
	if !strings.Contains(text, "&lt;b&gt;x&lt;i&gt;&amp;&#34;y&#34;.pdf") || strings.Contains(text, "<i>") {
		t.Errorf("name not escaped:\n%s", text)
	}
}

// The per-user limit.
func TestRateLimit(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.Bot.LinksPerMinute = 2 })
	for i := range 3 {
		call := s.sendFile(t, sample(tgfake.KindDocument, "r"+strconv.Itoa(i)+".pdf", 100, uint64(30+i)))
		limited := strings.Contains(call["text"].(string), "Too many requests")
		if limited != (i == 2) {
			t.Errorf("link %d: limited %v: %q", i, limited, call["text"])
		}
	}
	// Another user is not limited.
	other := int64(5151)
	call := s.send(t, botapifake.Private(other), other, "", sample(tgfake.KindDocument, "o.pdf", 100, 40), nil)
	if buttons(t, call)["Download"] == "" {
		t.Errorf("other user: %q", call["text"])
	}
}

// WORKER_BASE_URL adds the fast links; PUBLIC_BASE_URL is the links' base.
func TestFastLinks(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.Bot.WorkerBaseURL = "https://edge.example.workers.dev" })
	call := s.sendFile(t, sample(tgfake.KindVideo, "v.mp4", 100, 3))
	btn := buttons(t, call)
	for _, label := range []string{"Download", "Stream", "Fast Download", "Fast Stream"} {
		if btn[label] == "" {
			t.Errorf("no %s button: %v", label, btn)
		}
	}
	if !strings.HasPrefix(btn["Fast Stream"], "https://edge.example.workers.dev/dl/") || !strings.HasSuffix(btn["Fast Stream"], "=stream") {
		t.Errorf("fast stream link %q", btn["Fast Stream"])
	}
	if !strings.HasPrefix(btn["Download"], s.srv.URL+"/dl/") {
		t.Errorf("download link %q is not on the request's host %s", btn["Download"], s.srv.URL)
	}
}

// Long polling: the same bot, replies sent as Bot API calls; and the
// webhook registration -set-webhook does.
func TestPollAndSetWebhook(t *testing.T) {
	_, botAPI, apiURL := fakes(t)
	b := bot.New(bot.Options{Token: tgfake.DefaultBotToken, APIURL: apiURL, ChannelID: tgfake.DefaultChannelID,
		PublicBaseURL: "https://files.example.com", Logger: slog.New(slog.DiscardHandler)})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.SetWebhook(ctx, "https://files.example.com/telegram"); err != nil {
		t.Fatal(err)
	}
	wh := botAPI.Webhook()
	if wh.URL != "https://files.example.com/telegram" || wh.Secret != bot.WebhookSecret(tgfake.DefaultBotToken) || strings.Join(wh.AllowedUpdates, ",") != "message,channel_post" {
		t.Errorf("webhook %+v", wh)
	}

	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, "") }()
	botAPI.Queue(botAPI.Update(botAPI.UserMessage(botapifake.Private(user), user, "", sample(tgfake.KindVideo, "p.mp4", 100, 4), nil)))
	for len(botAPI.Sent()) == 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if botAPI.Webhook().URL != "" {
		t.Errorf("polling left the webhook set")
	}
	sent := botAPI.Sent()
	if len(sent) != 1 || !strings.Contains(sent[0].Params["text"].(string), "https://files.example.com/dl/") {
		t.Fatalf("sent %+v", sent)
	}
}

// /fdl posted in the log channel in reply to a file posted there by hand
// (the operator): links, also with BOT_ALLOWED_USERS set; in another
// channel the list applies.
func TestFdlInLogChannel(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.Bot.AllowedUsers = []int64{user} })
	logChannel := botapifake.Chat{ID: s.botAPI.ChannelChatID()}
	m := sample(tgfake.KindVideo, "by-hand.mp4", 70000, 50)
	file := s.botAPI.ChannelPost(logChannel, "", m, nil)
	if status, body := s.post(t, s.botAPI.ChannelUpdate(file)); status != 200 || !strings.HasPrefix(string(body), "ignored") {
		t.Errorf("a file posted in the channel: %d %q, want ignored", status, body)
	}
	call := s.reply(t, s.botAPI.ChannelUpdate(s.botAPI.ChannelPost(logChannel, "/fdl", nil, file)))
	if call["chat_id"].(float64) != float64(s.botAPI.ChannelChatID()) {
		t.Errorf("reply to chat %v, want the channel", call["chat_id"])
	}
	dl := buttons(t, call)["Download"]
	res, body := get(t, dl)
	if res.StatusCode != 200 || sha256.Sum256(body) != sha256.Sum256(tgfake.ReadRange(t, m.Content, 0, m.Content.Size()-1)) {
		t.Fatalf("GET %s: %d, %d bytes", dl, res.StatusCode, len(body))
	}
	linkMsg, err := s.botAPI.BotMessage(call)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.reply(t, s.botAPI.ChannelUpdate(s.botAPI.ChannelPost(logChannel, "/revoke", nil, linkMsg))); !strings.Contains(r["text"].(string), "Revoked") {
		t.Errorf("/revoke in the log channel: %q", r["text"])
	}
	if res, _ := get(t, dl); res.StatusCode != http.StatusNotFound {
		t.Errorf("after /revoke: %d, want 404", res.StatusCode)
	}

	other := botapifake.Chat{ID: -100999}
	ofile := s.botAPI.ChannelPost(other, "", m, nil)
	r := s.reply(t, s.botAPI.ChannelUpdate(s.botAPI.ChannelPost(other, "/fdl", nil, ofile)))
	if !strings.Contains(r["text"].(string), "not allowed") {
		t.Errorf("/fdl in another channel with a user list: %q", r["text"])
	}
}

// Polling: a reply whose buttons Telegram refuses is sent again without
// them (the links are in the text).
func TestPollReplyWithoutButtons(t *testing.T) {
	_, botAPI, apiURL := fakes(t)
	b := bot.New(bot.Options{Token: tgfake.DefaultBotToken, APIURL: apiURL, ChannelID: tgfake.DefaultChannelID, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	botAPI.FailNext("sendMessage", 400, "Bad Request: BUTTON_URL_INVALID", 1)
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, "http://localhost:8080") }()
	botAPI.Queue(botAPI.Update(botAPI.UserMessage(botapifake.Private(user), user, "", sample(tgfake.KindDocument, "b.pdf", 100, 4), nil)))
	for len(botAPI.Sent()) == 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	sent := botAPI.Sent()
	if len(sent) != 1 || botAPI.Calls("sendMessage") != 2 {
		t.Fatalf("sent %d, sendMessage calls %d", len(sent), botAPI.Calls("sendMessage"))
	}
	if _, ok := sent[0].Params["reply_markup"]; ok || !strings.Contains(sent[0].Params["text"].(string), "http://localhost:8080/dl/") {
		t.Errorf("resent %+v", sent[0].Params)
	}
}

// On a capped deployment with a Worker, the Download link of a file over
// the cap is the Worker's (which serves it whole); one within stays here.
func TestDownloadOnWorkerOverCap(t *testing.T) {
	const worker = "https://edge.example.workers.dev"
	s := newSite(t, func(c *config.Config) {
		c.Bot.WorkerBaseURL = worker
		c.Platform.MaxResponseBytes = 1000
	})
	big := buttons(t, s.sendFile(t, sample(tgfake.KindDocument, "big.bin", 5000, 11)))
	if !strings.HasPrefix(big["Download"], worker+"/dl/") || big["Fast Download"] != "" {
		t.Errorf("over the cap: %v", big)
	}
	small := buttons(t, s.sendFile(t, sample(tgfake.KindDocument, "small.bin", 1000, 12)))
	if !strings.HasPrefix(small["Download"], s.srv.URL+"/dl/") || !strings.HasPrefix(small["Fast Download"], worker+"/dl/") {
		t.Errorf("within the cap: %v", small)
	}
}

// Two users send the same file: each gets a link of their own, and one
// user's /revoke stops only that user's link.
func TestRevokeStopsOnlyTheSendersLink(t *testing.T) {
	s := newSite(t, nil)
	const other = int64(5151)
	m := sample(tgfake.KindDocument, "shared.pdf", 70<<10, 31)
	mine := s.sendFile(t, m)
	theirs := s.send(t, botapifake.Private(other), other, "", m, nil)
	dlMine, dlTheirs := buttons(t, mine)["Download"], buttons(t, theirs)["Download"]
	if dlMine == "" || dlTheirs == "" || dlMine == dlTheirs {
		t.Fatalf("links %q and %q: want one per user", dlMine, dlTheirs)
	}
	// Each user's second send still reuses that user's copy.
	if again := buttons(t, s.send(t, botapifake.Private(other), other, "", m, nil))["Download"]; again != dlTheirs {
		t.Errorf("the other user's second send: %q, want %q", again, dlTheirs)
	}
	if n := s.botAPI.Calls("copyMessage"); n != 2 {
		t.Errorf("copyMessage called %d times, want 2 (one per user)", n)
	}
	linkMsg, err := s.botAPI.BotMessage(theirs)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.send(t, botapifake.Private(other), other, "/revoke", nil, linkMsg); !strings.Contains(r["text"].(string), "Revoked") {
		t.Fatalf("/revoke: %q", r["text"])
	}
	if res, _ := get(t, dlTheirs); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
		t.Errorf("the revoker's link: %d, want 404 or 403", res.StatusCode)
	}
	res, body := get(t, dlMine)
	want := sha256.Sum256(tgfake.ReadRange(t, m.Content, 0, m.Content.Size()-1))
	if res.StatusCode != http.StatusOK || sha256.Sum256(body) != want {
		t.Errorf("the first user's link after the other's revoke: %d, %d bytes", res.StatusCode, len(body))
	}
}

// /fdl replying to a message of another chat (a forged update: Telegram
// replies only within a chat) copies nothing.
func TestFdlRefusesAFileOfAnotherChat(t *testing.T) {
	s := newSite(t, nil)
	group := botapifake.Chat{ID: -5556, Type: "supergroup"}
	elsewhere := s.botAPI.UserMessage(botapifake.Chat{ID: -9999, Type: "supergroup"}, 777, "", sample(tgfake.KindDocument, "private.pdf", 3000, 4), nil)
	call := s.send(t, group, user, "/fdl", nil, elsewhere)
	if !strings.Contains(call["text"].(string), "in this chat") || len(buttons(t, call)) != 0 {
		t.Errorf("/fdl on another chat's file: %q", call["text"])
	}
	if n := s.botAPI.Calls("copyMessage"); n != 0 {
		t.Errorf("copyMessage called %d times", n)
	}
	// The same file in this chat works.
	here := s.botAPI.UserMessage(group, user, "", sample(tgfake.KindDocument, "here.pdf", 3000, 4), nil)
	if call := s.send(t, group, user, "/fdl", nil, here); buttons(t, call)["Download"] == "" {
		t.Errorf("/fdl in the same chat: %q", call["text"])
	}
}
