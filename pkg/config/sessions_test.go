package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
)

func TestParseSessions(t *testing.T) {
	tests := []struct {
		name    string
		env     SessionsEnv
		want    Sessions
		badVars []string
	}{
		{"unset: in-memory defaults", SessionsEnv{}, Sessions{LeaseTTL: 60 * time.Second, LoginBudget: 5}, nil},
		{"redis", SessionsEnv{RedisURL: "redis://:pw@localhost:6379/0", LeaseTTL: "30s", LoginBudget: "3"},
			Sessions{RedisURL: "redis://:pw@localhost:6379/0", LeaseTTL: 30 * time.Second, LoginBudget: 3}, nil},
		{"rediss (Upstash)", SessionsEnv{RedisURL: "rediss://default:pw@x.upstash.io:6379"},
			Sessions{RedisURL: "rediss://default:pw@x.upstash.io:6379", LeaseTTL: 60 * time.Second, LoginBudget: 5}, nil},
		{"bad scheme", SessionsEnv{RedisURL: "http://secret@host"}, Sessions{}, []string{"REDIS_URL"}},
		{"bad ttl", SessionsEnv{LeaseTTL: "10"}, Sessions{}, []string{"SESSION_LEASE_TTL"}},
		{"ttl too short", SessionsEnv{LeaseTTL: "10ms"}, Sessions{}, []string{"SESSION_LEASE_TTL"}},
		{"bad budget", SessionsEnv{LoginBudget: "0"}, Sessions{}, []string{"LOGIN_BUDGET"}},
		{"all bad at once", SessionsEnv{RedisURL: "x", LeaseTTL: "y", LoginBudget: "z"}, Sessions{}, []string{"REDIS_URL", "SESSION_LEASE_TTL", "LOGIN_BUDGET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRaw()
			r.SessionsEnv = tt.env
			c, err := r.parse(noFile)
			if len(tt.badVars) == 0 {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if c.Sessions != tt.want {
					t.Errorf("got %+v, want %+v", c.Sessions, tt.want)
				}
				return
			}
			var problems Problems
			if !errors.As(err, &problems) {
				t.Fatalf("err %v, want Problems", err)
			}
			for _, name := range tt.badVars {
				if !strings.Contains(err.Error(), name+":") {
					t.Errorf("%q does not name %s", err, name)
				}
			}
			if tt.env.RedisURL != "" && strings.Contains(err.Error(), tt.env.RedisURL) {
				t.Errorf("the error echoes REDIS_URL: %q", err)
			}
		})
	}
}

// The variables are read from the environment under their exact names.
func TestSessionsFromEnv(t *testing.T) {
	t.Setenv("REDIS_URL", "redis://127.0.0.1:6379")
	t.Setenv("SESSION_LEASE_TTL", "45s")
	t.Setenv("LOGIN_BUDGET", "7")
	var r raw
	if err := envconfig.Process("", &r); err != nil {
		t.Fatal(err)
	}
	if r.RedisURL != "redis://127.0.0.1:6379" || r.LeaseTTL != "45s" || r.LoginBudget != "7" {
		t.Errorf("read %+v", r.SessionsEnv)
	}
}
