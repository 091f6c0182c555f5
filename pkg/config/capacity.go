package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/filetolink/filetolink/pkg/bottoken"
)

// Capacity is how much Telegram work the service spreads and how fast:
// several bots, each with its own sessions, and the request rate each bot
// keeps per DC. Zero means the default of the package that owns it
// (telegram: a rate learned from the first FLOOD_WAIT, burst 5; one bot).
type Capacity struct {
	// BotTokens are every bot's token when BOT_TOKENS is set: BOT_TOKEN
	// first, then BOT_TOKENS' other entries (BOT_TOKEN may be repeated
	// there); nil without it. Secrets: never in an error or a log.
	BotTokens []string
	// Rate is the upload.getFile calls per second each bot makes to one DC
	// at most (TG_RATE); RateBurst how many at once (TG_RATE_BURST). Flood
	// waits lower the rate for a while.
	Rate      float64
	RateBurst int
}

// MaxBots is how many bots BOT_TOKEN and BOT_TOKENS may name together:
// every bot must be an admin of the log channel, and a channel has at most
// 50 admins, bots included.
const MaxBots = 50

var capacityVars = []Var{
	// After BOT_TOKEN (credentialVars come first).
	{Name: "BOT_TOKENS", Parse: func(c *Config, v string) error {
		more, err := parseBotTokens(c.BotToken, v)
		if err != nil {
			return err
		}
		c.Capacity.BotTokens = append([]string{c.BotToken}, more...)
		return nil
	}},
	{Name: "TG_RATE", Parse: func(c *Config, v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r >= 0.1 && r <= 1000) {
			return errors.New("must be a number of requests per second from 0.1 to 1000, such as 10")
		}
		c.Capacity.Rate = r
		return nil
	}},
	{Name: "TG_RATE_BURST", Parse: intIn(1, 1000, func(c *Config) *int { return &c.Capacity.RateBurst })},
}

// parseBotTokens returns BOT_TOKENS' tokens other than first, in order. Its
// errors name entries by position, never by value.
func parseBotTokens(first, list string) ([]string, error) {
	seen := map[int64]bool{}
	if first != "" {
		seen[bottoken.ID(first)] = true
	}
	var out []string
	for i, tok := range strings.Split(list, ",") {
		tok = strings.TrimSpace(tok)
		switch {
		case tok == "" || tok == first:
			continue
		case !bottoken.Valid(tok):
			return nil, fmt.Errorf("entry %d must look like 123456:ABC-def (digits, colon, token)", i+1)
		}
		id := bottoken.ID(tok)
		if seen[id] {
			return nil, fmt.Errorf("entry %d is a second token of a bot already listed", i+1)
		}
		seen[id] = true
		out = append(out, tok)
	}
	if first == "" && len(out) > 0 {
		return nil, errors.New("needs a valid BOT_TOKEN: it is the first bot")
	}
	if len(out)+1 > MaxBots {
		return nil, fmt.Errorf("at most %d bots (a channel has at most %d admins, bots included)", MaxBots, MaxBots)
	}
	return out, nil
}
