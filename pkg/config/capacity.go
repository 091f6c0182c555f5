package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Capacity is how much Telegram work the service spreads and how fast:
// several bots, each with its own sessions, and the request rate each bot
// keeps per DC.
type Capacity struct {
	// BotTokens are every bot's token: BOT_TOKEN first, then the other
	// entries of BOT_TOKENS (comma-separated; BOT_TOKEN may be repeated
	// there). Secrets: never in an error or a log.
	BotTokens []string
	// Rate is the upload.getFile calls per second each bot makes to one DC
	// at most (TG_RATE, default 10); RateBurst how many at once
	// (TG_RATE_BURST, default 5). Flood waits lower the rate for a while.
	Rate      float64
	RateBurst int
}

// Defaults and bounds of Capacity. 50 is Telegram's limit of admins (bots
// included) of one channel: every bot must be an admin of the log channel.
const (
	DefaultRate      = 10
	DefaultRateBurst = 5
	MaxBots          = 50
)

// parseCapacity reads BOT_TOKENS, TG_RATE and TG_RATE_BURST; c.BotToken is
// already parsed.
func (c *Config) parseCapacity(getenv func(string) string, bad func(name, reason string)) {
	c.Capacity.BotTokens = nil
	if c.BotToken != "" {
		c.Capacity.BotTokens = []string{c.BotToken}
	}
	tokens, problem := parseBotTokens(c.BotToken, getenv("BOT_TOKENS"))
	if problem != "" {
		bad("BOT_TOKENS", problem)
	}
	c.Capacity.BotTokens = append(c.Capacity.BotTokens, tokens...)

	c.Capacity.Rate = DefaultRate
	if v := strings.TrimSpace(getenv("TG_RATE")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r >= 0.1 && r <= 1000) {
			bad("TG_RATE", "must be a number of requests per second from 0.1 to 1000, such as 10")
		} else {
			c.Capacity.Rate = r
		}
	}
	c.Capacity.RateBurst = DefaultRateBurst
	if v := strings.TrimSpace(getenv("TG_RATE_BURST")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			bad("TG_RATE_BURST", "must be an integer from 1 to 1000, such as 5")
		} else {
			c.Capacity.RateBurst = n
		}
	}
}

// parseBotTokens returns BOT_TOKENS' tokens other than first, in order, or
// a problem that names entries by position, never by value.
func parseBotTokens(first, list string) ([]string, string) {
	if strings.TrimSpace(list) == "" {
		return nil, ""
	}
	seen := map[string]bool{}
	if id, _, ok := strings.Cut(first, ":"); ok {
		seen[id] = true
	}
	var out []string
	for i, tok := range strings.Split(list, ",") {
		tok = strings.TrimSpace(tok)
		switch {
		case tok == "":
			continue
		case tok == first:
			continue
		case !botTokenPattern.MatchString(tok):
			return nil, fmt.Sprintf("entry %d must look like 123456:ABC-def (digits, colon, token)", i+1)
		}
		id, _, _ := strings.Cut(tok, ":")
		if seen[id] {
			return nil, fmt.Sprintf("entry %d is a second token of a bot already listed", i+1)
		}
		seen[id] = true
		out = append(out, tok)
	}
	if len(out)+1 > MaxBots {
		return nil, fmt.Sprintf("at most %d bots (a channel has at most %d admins, bots included)", MaxBots, MaxBots)
	}
	return out, ""
}
