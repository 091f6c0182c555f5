package handler

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/bot"
)

// vercelBot: POST /telegram reaches the bot through the build's routes and
// the built function: without the secret 401, with it the reply in the
// response body (/start needs no Bot API call).
func vercelBot(t *testing.T, c *vercelClient) {
	update := `{"update_id":5,"message":{"message_id":3,"chat":{"id":77,"type":"private"},"from":{"id":77,"first_name":"A"},"text":"/start"}}`
	plain := map[string]string{"Content-Type": "application/json"}
	if r := c.doBody(http.MethodPost, "/telegram", plain, update); r.status != http.StatusUnauthorized {
		t.Errorf("without the secret: %d %q", r.status, r.body)
	}
	withSecret := map[string]string{"Content-Type": "application/json", bot.SecretHeader: bot.WebhookSecret(fixture.env["BOT_TOKEN"])}
	r := c.doBody(http.MethodPost, "/telegram", withSecret, update)
	if r.status != http.StatusOK || !replyIs(r.body, "sendMessage", "Send me a file") {
		t.Errorf("with the secret: %d %q", r.status, r.body)
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
