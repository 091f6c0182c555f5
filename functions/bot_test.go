package handler

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/filetolink/filetolink/pkg/bot"
)

// POST /telegram reaches the bot through vercel.json and the Vercel
// runtime: without the secret 401, with it the reply in the response body
// (/start needs no Bot API call).
func TestBotFunction(t *testing.T) {
	c := &vercelClient{t: t, config: readVercelConfig(t)}
	update := `{"update_id":5,"message":{"message_id":3,"chat":{"id":77,"type":"private"},"from":{"id":77,"first_name":"A"},"text":"/start"}}`
	if r := postVercel(t, c, "/telegram", "", update); r.status != http.StatusUnauthorized {
		t.Errorf("without the secret: %d %q", r.status, r.body)
	}
	r := postVercel(t, c, "/telegram", bot.WebhookSecret(os.Getenv("BOT_TOKEN")), update)
	var call map[string]any
	if r.status != http.StatusOK || json.Unmarshal(r.body, &call) != nil || call["method"] != "sendMessage" ||
		!strings.Contains(call["text"].(string), "Send me a file") {
		t.Errorf("with the secret: %d %q", r.status, r.body)
	}
}

// postVercel is vercelClient.do for a POST with a body.
func postVercel(t *testing.T, c *vercelClient, path, secret, body string) *result {
	t.Helper()
	file, ok := routeFor(c.config, path)
	if !ok {
		t.Fatalf("POST %s: no route in vercel.json", path)
	}
	hdr := map[string]headerValues{
		"host":              {"filetolink-test.vercel.app"},
		"x-forwarded-proto": {"https"},
		"content-type":      {"application/json"},
	}
	if secret != "" {
		hdr[strings.ToLower(bot.SecretHeader)] = headerValues{secret}
	}
	reqJSON, err := json.Marshal(vercelRequest{Host: "filetolink-test.vercel.app", Path: path, Method: http.MethodPost, Headers: hdr,
		Encoding: "base64", Body: base64.StdEncoding.EncodeToString([]byte(body))})
	if err != nil {
		t.Fatal(err)
	}
	event, err := json.Marshal(events.APIGatewayProxyRequest{Body: string(reqJSON)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := invokeVercel(functionsByFile[file].fn, event)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	var resp vercelResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	b, _ := base64.StdEncoding.DecodeString(resp.Body)
	return &result{status: resp.StatusCode, header: http.Header(resp.Headers), body: b}
}
