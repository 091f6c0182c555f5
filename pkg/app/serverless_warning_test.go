package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/config"
)

// redisWarning is the start of the fixed warning a serverless deployment
// without REDIS_URL gives where its operator looks.
const redisWarning = "No REDIS_URL: every cold start makes a new Telegram auth key"

// On Vercel and Lambda without REDIS_URL the startup log, the status page
// (its session source marked) and /healthz say that every cold start logs
// in; the plain server says nothing of it.
// In memory: the warning is the service's, whatever the client's transport.
func TestServerlessWithoutRedisWarns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  func(*config.Config)
		warn bool
	}{
		{"vercel", func(c *config.Config) { c.Platform.Vercel = true }, true},
		{"lambda", func(c *config.Config) { c.Platform.Lambda = true }, true},
		{"server", func(*config.Config) {}, false},
	}
	inMemory(t, len(cases), func(i int) string { return cases[i].name }, func(t *testing.T, i int) {
		c := cases[i]
		s := newColdMemSite(t, c.env)
		page := s.get(t, requestTimeout, "/")
		healthz := s.get(t, requestTimeout, "/healthz")
		var h struct {
			Sessions struct {
				Note string `json:"note"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal(healthz.body, &h); err != nil {
			t.Fatalf("/healthz: %v", err)
		}
		_, card, _ := strings.Cut(string(page.body), `id="sessions"`)
		card, _, _ = strings.Cut(card, "</section>")
		got := map[string]bool{
			"log":      strings.Contains(s.logs.String(), redisWarning),
			"/":        strings.Contains(card, redisWarning),
			"/ marked": strings.Contains(card, `<span class="pill warn">In memory`),
			"/healthz": strings.HasPrefix(h.Sessions.Note, redisWarning),
		}
		for where, ok := range got {
			if ok != c.warn {
				t.Errorf("%s: warning shown %v, want %v", where, ok, c.warn)
			}
		}
	})
}
