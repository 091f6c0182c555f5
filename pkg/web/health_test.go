package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/stream"
)

// The status page and /healthz say what is wrong with the setup (a class
// and a hint); / answers 503 only once the configuration is known to be
// broken, never while merely connecting.
func TestStatusPageSaysWhatIsWrong(t *testing.T) {
	tests := []struct {
		health stream.Health
		status int
		state  string
	}{
		{stream.Health{Class: stream.HealthOK}, 200, "ok"},
		{stream.Health{Class: stream.HealthConnecting, Hint: "logging in"}, 200, "ok"},
		{stream.Health{Class: stream.HealthUnreachable, Hint: "check the network"}, 200, "ok"},
		{stream.Health{Class: stream.HealthBotToken, Hint: "set the current token", Broken: true}, 503, "broken"},
		{stream.Health{Class: stream.HealthChannelAccess, Hint: "add the bot", Broken: true}, 503, "broken"},
	}
	e := newEnv(t, Options{})
	for _, tt := range tests {
		e.files.mu.Lock()
		e.files.health = tt.health
		e.files.mu.Unlock()
		w := e.do("GET", "/")
		if w.Code != tt.status || !strings.Contains(w.Body.String(), `data-class="`+tt.health.Class+`"`) ||
			!strings.Contains(w.Body.String(), tt.health.Hint) {
			t.Errorf("%s: / %d, want %d:\n%s", tt.health.Class, w.Code, tt.status, w.Body.String())
		}
		if tt.health.Broken && w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", tt.health.Class)
		}
		w = e.do("GET", "/healthz")
		var got health
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
			t.Fatalf("healthz %d %v", w.Code, err)
		}
		if got.Status != tt.state || got.Telegram != tt.health.Class || got.Hint != tt.health.Hint {
			t.Errorf("%s: healthz %+v", tt.health.Class, got)
		}
	}
}
