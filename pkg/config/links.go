package config

import (
	"errors"
	"time"

	"github.com/filetolink/filetolink/pkg/links"
)

// Links are the settings of signed (expiring) links (package links).
type Links struct {
	// SigningKey is LINK_SIGNING_KEY; "" signs with API_HASH and
	// BOT_TOKEN (Config.LinkSigningSecret).
	SigningKey string
	// TTL is BOT_LINK_TTL, the lifetime of the bot's links when /link names
	// none (links.ParseTTL: "24h", "7d"); 0: links that do not expire.
	TTL time.Duration
}

// LinkSigningSecret is what the link signing key is derived from:
// LINK_SIGNING_KEY when set, else API_HASH and BOT_TOKEN, which every
// deployment has; "" without either. Changing it invalidates every signed
// link.
func (c Config) LinkSigningSecret() string {
	if c.Links.SigningKey != "" {
		return c.Links.SigningKey
	}
	if c.APIHash == "" {
		return ""
	}
	return c.APIHash + "\x00" + c.BotToken
}

// minSigningKey is the shortest LINK_SIGNING_KEY accepted.
const minSigningKey = 32

// linkVars are the variables of signed links.
var linkVars = []Var{
	{Name: "LINK_SIGNING_KEY", Parse: func(c *Config, v string) error {
		if len(v) < minSigningKey {
			return errors.New("must be at least 32 characters (e.g. openssl rand -hex 32)")
		}
		c.Links.SigningKey = v
		return nil
	}},
	{Name: "BOT_LINK_TTL", Parse: func(c *Config, v string) error {
		d, err := links.ParseTTL(v)
		if err != nil {
			return err
		}
		c.Links.TTL = d
		return nil
	}},
}
