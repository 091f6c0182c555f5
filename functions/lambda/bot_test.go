package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/botapifake"
	"github.com/filetolink/filetolink/internal/lambdarie"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/bot"
)

// The link bot through the real bootstrap under aws-lambda-rie: an update
// posted to the function URL's /telegram is copied through the fake Bot
// API (BOT_API_URL) into the fake log channel, and the link in the reply
// downloads the file through the same function.
func TestLambdaBot(t *testing.T) {
	cat := startFake(t)
	botAPI := botapifake.New(cat.Fake, "", 0)
	apiSrv := httptest.NewServer(botAPI)
	defer apiSrv.Close()
	e := startEmulator(t, cat.Fake, map[string]string{"LAMBDA_INVOKE_MODE": "RESPONSE_STREAM", "BOT_API_URL": apiSrv.URL})
	s := functionURL(e, lambdarie.DecodeStreamed)

	const user = 808
	m := &tgfake.Media{Kind: tgfake.KindAudio, Name: "lambda.mp3", MIMEType: "audio/mpeg", Content: tgfake.Pattern(3, 123456)}
	update, err := json.Marshal(botAPI.Update(botAPI.UserMessage(botapifake.Private(user), user, "", m, nil)))
	if err != nil {
		t.Fatal(err)
	}
	post := func(secret string) *lambdarie.Response {
		return s.DoBody(t, http.MethodPost, "/telegram", map[string]string{bot.SecretHeader: secret, "content-type": "application/json"}, update)
	}
	if res := post("wrong"); res.Status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d %q", res.Status, res.Body)
	}
	res := post(bot.WebhookSecret(tgfake.DefaultBotToken))
	var call struct {
		Method      string                   `json:"method"`
		ReplyMarkup bot.InlineKeyboardMarkup `json:"reply_markup"`
	}
	if res.Status != http.StatusOK || json.Unmarshal(res.Body, &call) != nil || call.Method != "sendMessage" || len(call.ReplyMarkup.InlineKeyboard) == 0 {
		t.Fatalf("update: %d %q", res.Status, res.Body)
	}
	link := call.ReplyMarkup.InlineKeyboard[0][0].URL
	if !strings.HasPrefix(link, functionOrigin+"/dl/") {
		t.Fatalf("link %q is not on the function URL", link)
	}
	got := s.Do(t, http.MethodGet, strings.TrimPrefix(link, functionOrigin), nil)
	if got.Status != http.StatusOK || string(got.Body) != string(tgfake.ReadRange(t, m.Content, 0, m.Content.Size()-1)) {
		t.Errorf("GET the link: %d, %d bytes, want the %d sent", got.Status, len(got.Body), m.Content.Size())
	}
}
