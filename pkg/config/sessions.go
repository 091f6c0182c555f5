package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/sessions"
)

// Sessions configure the shared Telegram session pool.
type Sessions struct {
	// RedisURL is the store (REDIS_URL, redis:// or rediss://); "" keeps
	// one in-memory session per process.
	RedisURL string
	// LeaseTTL is how long a session lease lasts unrenewed (SESSION_LEASE_TTL, default 60s).
	LeaseTTL time.Duration
	// LoginBudget is the new bot logins per hour all instances together
	// may make (LOGIN_BUDGET, default 5).
	LoginBudget int
}

// SessionsEnv is what envconfig reads for Sessions (embedded in raw;
// exported because envconfig skips unexported embedded fields).
type SessionsEnv struct {
	RedisURL    string `envconfig:"REDIS_URL"`
	LeaseTTL    string `envconfig:"SESSION_LEASE_TTL"`
	LoginBudget string `envconfig:"LOGIN_BUDGET"`
}

// parse checks the session pool variables. The defaults are the sessions
// package's; a REDIS_URL is never echoed (it may hold a password).
func (r SessionsEnv) parse(bad func(name, reason string)) Sessions {
	s := Sessions{LeaseTTL: sessions.DefaultLeaseTTL, LoginBudget: sessions.DefaultLoginBudget}
	if u := strings.TrimSpace(r.RedisURL); u != "" {
		if _, err := sessions.ParseURL(u); err != nil {
			bad("REDIS_URL", err.Error())
		} else {
			s.RedisURL = u
		}
	}
	if v := strings.TrimSpace(r.LeaseTTL); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			bad("SESSION_LEASE_TTL", "must be a duration from 1s to 1h, such as 60s")
		} else {
			s.LeaseTTL = d
		}
	}
	if v := strings.TrimSpace(r.LoginBudget); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			bad("LOGIN_BUDGET", "must be an integer from 1 to 1000 (new bot logins per hour)")
		} else {
			s.LoginBudget = n
		}
	}
	return s
}
