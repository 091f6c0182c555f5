package config

import (
	"errors"
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

// webhookSecretPattern is Telegram's secret_token alphabet at a length that
// cannot be guessed online: 16 characters of 64 are 96 bits (Telegram
// itself accepts 1 to 256).
var webhookSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)

// botVars are the link bot's variables.
var botVars = []Var{
	{Name: "BOT_ALLOWED_USERS", Parse: func(c *Config, v string) error {
		var ids []int64
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id <= 0 {
				return errors.New("must be Telegram user ids separated by commas, such as 123456789,987654321")
			}
			ids = append(ids, id)
		}
		c.Bot.AllowedUsers = ids
		return nil
	}},
	{Name: "BOT_LINKS_PER_MINUTE", Parse: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 100000 {
			return errors.New("must be an integer from 1 to 100000")
		}
		c.Bot.LinksPerMinute = n
		return nil
	}},
	{Name: "BOT_API_URL", Parse: func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" {
			return errors.New("must be an http(s) URL such as https://api.telegram.org")
		}
		c.Bot.APIURL = strings.TrimRight(v, "/")
		return nil
	}},
	{Name: "BOT_WEBHOOK_SECRET", Parse: func(c *Config, v string) error {
		if !webhookSecretPattern.MatchString(v) {
			return errors.New("must be 16 to 256 characters A-Z, a-z, 0-9, _ and - (a random string: it is what keeps forged updates out)")
		}
		c.Bot.WebhookSecret = v
		return nil
	}},
	{Name: "WORKER_BASE_URL", Parse: func(c *Config, v string) error {
		base, err := platform.HostBaseURL(v)
		if err != nil {
			return err
		}
		c.Bot.WorkerBaseURL = base
		return nil
	}},
}
