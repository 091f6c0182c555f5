package config

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/filetolink/filetolink/pkg/platform"
)

// Bot are the settings of the link bot (package bot). Zero values mean the
// bot's defaults.
type Bot struct {
	// AllowedUsers may make links (BOT_ALLOWED_USERS "123,456"); empty: everyone.
	AllowedUsers []int64
	// LinksPerMinute per user (BOT_LINKS_PER_MINUTE); 0: the bot's default.
	LinksPerMinute int
	// APIURL is the Bot API server (BOT_API_URL); "": Telegram's.
	APIURL string
	// WebhookSecret overrides the secret derived from BOT_TOKEN (BOT_WEBHOOK_SECRET).
	WebhookSecret string
	// WorkerBaseURL is the base of the "fast" links (WORKER_BASE_URL).
	WorkerBaseURL string
}

// webhookSecretPattern is what Telegram accepts as a webhook secret_token.
var webhookSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// parseBot reads the bot's variables, reporting each bad one through bad.
func parseBot(getenv func(string) string, bad func(name, reason string)) Bot {
	var b Bot
	if v := strings.TrimSpace(getenv("BOT_ALLOWED_USERS")); v != "" {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id <= 0 {
				bad("BOT_ALLOWED_USERS", "must be Telegram user ids separated by commas, such as 123456789,987654321")
				b.AllowedUsers = nil
				break
			}
			b.AllowedUsers = append(b.AllowedUsers, id)
		}
	}
	if v := strings.TrimSpace(getenv("BOT_LINKS_PER_MINUTE")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 100000 {
			bad("BOT_LINKS_PER_MINUTE", "must be an integer from 1 to 100000")
		} else {
			b.LinksPerMinute = n
		}
	}
	if v := strings.TrimSpace(getenv("BOT_API_URL")); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" {
			bad("BOT_API_URL", "must be an http(s) URL such as https://api.telegram.org")
		} else {
			b.APIURL = strings.TrimRight(v, "/")
		}
	}
	if v := getenv("BOT_WEBHOOK_SECRET"); v != "" {
		if !webhookSecretPattern.MatchString(v) {
			bad("BOT_WEBHOOK_SECRET", "must be 1 to 256 characters A-Z, a-z, 0-9, _ and -")
		} else {
			b.WebhookSecret = v
		}
	}
	if base, ok := platform.WorkerBaseURL(getenv); !ok {
		bad("WORKER_BASE_URL", "must be a base URL such as https://files.example.workers.dev (no path or query)")
	} else {
		b.WorkerBaseURL = base
	}
	return b
}
