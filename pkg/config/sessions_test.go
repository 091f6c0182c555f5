package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSessions(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Sessions
		badVars []string
	}{
		{"unset: zero, the sessions package's defaults", nil, Sessions{}, nil},
		{"redis", map[string]string{"REDIS_URL": "redis://:pw@localhost:6379/0", "SESSION_LEASE_TTL": "30s", "LOGIN_BUDGET": "3"},
			Sessions{RedisURL: "redis://:pw@localhost:6379/0", LeaseTTL: 30 * time.Second, LoginBudget: 3}, nil},
		{"rediss (Upstash)", map[string]string{"REDIS_URL": "rediss://default:pw@x.upstash.io:6379"},
			Sessions{RedisURL: "rediss://default:pw@x.upstash.io:6379"}, nil},
		{"bad scheme", map[string]string{"REDIS_URL": "http://secret@host"}, Sessions{}, []string{"REDIS_URL"}},
		{"bad ttl", map[string]string{"SESSION_LEASE_TTL": "10"}, Sessions{}, []string{"SESSION_LEASE_TTL"}},
		{"ttl too short", map[string]string{"SESSION_LEASE_TTL": "10ms"}, Sessions{}, []string{"SESSION_LEASE_TTL"}},
		{"ttl too long", map[string]string{"SESSION_LEASE_TTL": "2h"}, Sessions{}, []string{"SESSION_LEASE_TTL"}},
		{"bad budget", map[string]string{"LOGIN_BUDGET": "0"}, Sessions{}, []string{"LOGIN_BUDGET"}},
		{"budget too high", map[string]string{"LOGIN_BUDGET": "1001"}, Sessions{}, []string{"LOGIN_BUDGET"}},
		{"all bad at once", map[string]string{"REDIS_URL": "x", "SESSION_LEASE_TTL": "y", "LOGIN_BUDGET": "z"}, Sessions{},
			[]string{"REDIS_URL", "SESSION_LEASE_TTL", "LOGIN_BUDGET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(creds(tt.env), Serve)
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
			names := problemNames(t, err)
			for _, name := range tt.badVars {
				if !names[name] {
					t.Errorf("%q does not name %s", err, name)
				}
			}
			if u := tt.env["REDIS_URL"]; u != "" && strings.Contains(err.Error(), u) {
				t.Errorf("the error echoes REDIS_URL: %q", err)
			}
		})
	}
}

// The variables are read from the environment under their exact names.
func TestSessionsFromEnv(t *testing.T) {
	t.Setenv("API_ID", "17349")
	t.Setenv("API_HASH", testHash)
	t.Setenv("BOT_TOKEN", "123456:ABC-def_9")
	t.Setenv("LOG_CHANNEL_ID", "-1001234567890")
	t.Setenv("REDIS_URL", "redis://127.0.0.1:6379")
	t.Setenv("SESSION_LEASE_TTL", "45s")
	t.Setenv("LOGIN_BUDGET", "7")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Sessions{RedisURL: "redis://127.0.0.1:6379", LeaseTTL: 45 * time.Second, LoginBudget: 7}); c.Sessions != want {
		t.Errorf("read %+v, want %+v", c.Sessions, want)
	}
}
