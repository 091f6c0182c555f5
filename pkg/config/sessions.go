package config

import (
	"errors"
	"time"

	"github.com/filetolink/filetolink/pkg/sessions"
)

// Sessions configure the shared Telegram session pool. Zero means the
// sessions package's default (sessions.DefaultLeaseTTL,
// sessions.DefaultLoginBudget).
type Sessions struct {
	// RedisURL is the store (REDIS_URL, redis:// or rediss://); "" keeps
	// one in-memory session per process. A secret (it may hold a
	// password): never in an error or a log.
	RedisURL string
	// LeaseTTL is how long a session lease lasts unrenewed (SESSION_LEASE_TTL).
	LeaseTTL time.Duration
	// LoginBudget is the new bot logins per hour all instances together
	// may make (LOGIN_BUDGET).
	LoginBudget int
}

var sessionVars = []Var{
	{Name: "REDIS_URL", Parse: func(c *Config, v string) error {
		if _, err := sessions.ParseURL(v); err != nil {
			return err
		}
		c.Sessions.RedisURL = v
		return nil
	}},
	{Name: "SESSION_LEASE_TTL", Parse: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return errors.New("must be a duration from 1s to 1h, such as 60s")
		}
		c.Sessions.LeaseTTL = d
		return nil
	}},
	{Name: "LOGIN_BUDGET", Parse: intIn(1, 1000, func(c *Config) *int { return &c.Sessions.LoginBudget })},
}
