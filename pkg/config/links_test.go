package config

import (
	"strings"
	"testing"
	"time"
)

func TestLinkVars(t *testing.T) {
	base := map[string]string{
		"API_ID": "17349", "API_HASH": strings.Repeat("a", 32), "BOT_TOKEN": "123456:ABC-def_9", "LOG_CHANNEL_ID": "-1001234567890",
	}
	parse := func(extra map[string]string) (Config, error) {
		return Parse(func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return base[k]
		}, Serve)
	}
	c, err := parse(nil)
	if err != nil || c.LinkSigningSecret() != strings.Repeat("a", 32)+"\x00123456:ABC-def_9" || c.Links.TTL != 0 {
		t.Errorf("defaults: %+v %v", c.Links, err)
	}
	key := strings.Repeat("k", 40)
	c, err = parse(map[string]string{"LINK_SIGNING_KEY": key, "BOT_LINK_TTL": "7d"})
	if err != nil || c.LinkSigningSecret() != key || c.Links.TTL != 7*24*time.Hour {
		t.Errorf("set: %+v %v", c.Links, err)
	}
	_, err = parse(map[string]string{"LINK_SIGNING_KEY": "short", "BOT_LINK_TTL": "forever"})
	if msg := err.Error(); err == nil || !strings.Contains(msg, "LINK_SIGNING_KEY") || !strings.Contains(msg, "BOT_LINK_TTL") || strings.Contains(msg, "short") || strings.Contains(msg, "forever") {
		t.Errorf("bad values: %v", err)
	}
}
