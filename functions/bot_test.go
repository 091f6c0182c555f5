package handler

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/lambdarie"
	"github.com/filetolink/filetolink/pkg/bot"
)

// vercelBot: POST /telegram reaches the bot through the build's routes and
// the built function: without the secret 401, with it the reply in the
// response body (/start needs no Bot API call).
func vercelBot(t *testing.T, s *lambdarie.Site) {
	update := []byte(`{"update_id":5,"message":{"message_id":3,"chat":{"id":77,"type":"private"},"from":{"id":77,"first_name":"A"},"text":"/start"}}`)
	plain := map[string]string{"Content-Type": "application/json"}
	if r := s.DoBody(t, http.MethodPost, "/telegram", plain, update); r.Status != http.StatusUnauthorized {
		t.Errorf("without the secret: %d %q", r.Status, r.Body)
	}
	withSecret := map[string]string{"Content-Type": "application/json", bot.SecretHeader: bot.WebhookSecret(fixture.env["BOT_TOKEN"])}
	r := s.DoBody(t, http.MethodPost, "/telegram", withSecret, update)
	if r.Status != http.StatusOK || !replyIs(r.Body, "sendMessage", "Send me a file") {
		t.Errorf("with the secret: %d %q", r.Status, r.Body)
	}
}

func replyIs(body []byte, method, text string) bool {
	var call map[string]any
	if err := json.Unmarshal(body, &call); err != nil || call["method"] != method {
		return false
	}
	s, _ := call["text"].(string)
	return strings.Contains(s, text)
}
