package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/botapifake"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/bot"
)

// The link bot through the real bootstrap under aws-lambda-rie: an update
// posted to the function URL's /telegram is copied through the fake Bot
// API (BOT_API_URL) into the fake log channel, and the link in the reply
// downloads the file through the same function.
func TestLambdaBot(t *testing.T) {
	cat := startFake(t)
	botAPI := botapifake.New(cat.fake, "", 0)
	apiSrv := httptest.NewServer(botAPI)
	defer apiSrv.Close()
	e := startEmulator(t, cat.fake, map[string]string{"LAMBDA_INVOKE_MODE": "RESPONSE_STREAM", "BOT_API_URL": apiSrv.URL})
	c := &client{t: t, e: e, parse: parseStreamed}

	const user = 808
	m := &tgfake.Media{Kind: tgfake.KindAudio, Name: "lambda.mp3", MIMEType: "audio/mpeg", Content: tgfake.Pattern(3, 123456)}
	update, err := json.Marshal(botAPI.Update(botAPI.UserMessage(botapifake.Private(user), user, "", m, nil)))
	if err != nil {
		t.Fatal(err)
	}
	post := func(secret string) *result {
		ev := functionURLEvent(http.MethodPost, "/telegram", map[string]string{bot.SecretHeader: secret, "content-type": "application/json"})
		ev.Body = string(update)
		return parseStreamed(t, e.post(ev))
	}
	if res := post("wrong"); res.status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d %q", res.status, res.body)
	}
	res := post(bot.WebhookSecret(tgfake.DefaultBotToken))
	var call struct {
		Method      string                   `json:"method"`
		ReplyMarkup bot.InlineKeyboardMarkup `json:"reply_markup"`
	}
	if res.status != http.StatusOK || json.Unmarshal(res.body, &call) != nil || call.Method != "sendMessage" || len(call.ReplyMarkup.InlineKeyboard) == 0 {
		t.Fatalf("update: %d %q", res.status, res.body)
	}
	link := call.ReplyMarkup.InlineKeyboard[0][0].URL
	const origin = "https://abcdefghij0123456789.lambda-url.eu-west-1.on.aws"
	if !strings.HasPrefix(link, origin+"/dl/") {
		t.Fatalf("link %q is not on the function URL", link)
	}
	got := c.do(http.MethodGet, strings.TrimPrefix(link, origin), nil)
	if got.status != http.StatusOK || string(got.body) != string(tgfake.ReadRange(t, m.Content, 0, m.Content.Size()-1)) {
		t.Errorf("GET the link: %d, %d bytes, want the %d sent", got.status, len(got.body), m.Content.Size())
	}
}
