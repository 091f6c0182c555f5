package config

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestParseCapacity(t *testing.T) {
	const first = "123456:ABC-def_9"
	tests := []struct {
		name       string
		env        map[string]string
		wantTokens []string
		wantRate   float64
		wantBurst  int
		wantBad    []string // variables reported
	}{
		{"defaults", nil, []string{first}, 10, 5, nil},
		{"more bots", map[string]string{"BOT_TOKENS": "222:x-1, 333:y_2"}, []string{first, "222:x-1", "333:y_2"}, 10, 5, nil},
		{"BOT_TOKEN repeated and empty entries", map[string]string{"BOT_TOKENS": first + ",,222:x,"}, []string{first, "222:x"}, 10, 5, nil},
		{"rate and burst", map[string]string{"TG_RATE": "2.5", "TG_RATE_BURST": "3"}, []string{first}, 2.5, 3, nil},
		{"bad token", map[string]string{"BOT_TOKENS": "222:x,SECRETVALUE"}, []string{first}, 10, 5, []string{"BOT_TOKENS"}},
		{"second token of one bot", map[string]string{"BOT_TOKENS": "222:x,222:y"}, []string{first}, 10, 5, []string{"BOT_TOKENS"}},
		{"other token of the first bot", map[string]string{"BOT_TOKENS": "123456:other"}, []string{first}, 10, 5, []string{"BOT_TOKENS"}},
		{"bad rate", map[string]string{"TG_RATE": "0", "TG_RATE_BURST": "0"}, []string{first}, 10, 5, []string{"TG_RATE", "TG_RATE_BURST"}},
		{"rate not a number", map[string]string{"TG_RATE": "NaN", "TG_RATE_BURST": "x"}, []string{first}, 10, 5, []string{"TG_RATE", "TG_RATE_BURST"}},
		{"too many bots", map[string]string{"BOT_TOKENS": manyTokens(MaxBots)}, []string{first}, 10, 5, []string{"BOT_TOKENS"}},
		{"as many bots as a channel takes", map[string]string{"BOT_TOKENS": manyTokens(MaxBots - 1)}, nil, 10, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{BotToken: first}
			var bad []string
			var msgs []string
			c.parseCapacity(func(k string) string { return tt.env[k] }, func(name, reason string) {
				bad = append(bad, name)
				msgs = append(msgs, reason)
			})
			if strings.Join(bad, ",") != strings.Join(tt.wantBad, ",") {
				t.Errorf("problems with %v, want %v (%v)", bad, tt.wantBad, msgs)
			}
			if strings.Contains(strings.Join(msgs, ";"), "SECRET") || strings.Contains(strings.Join(msgs, ";"), "x-1") {
				t.Errorf("a problem repeats a token: %v", msgs)
			}
			if tt.wantTokens != nil && strings.Join(c.Capacity.BotTokens, ",") != strings.Join(tt.wantTokens, ",") {
				t.Errorf("tokens %v, want %v", c.Capacity.BotTokens, tt.wantTokens)
			}
			if tt.wantTokens == nil && len(c.Capacity.BotTokens) != MaxBots {
				t.Errorf("%d tokens, want %d", len(c.Capacity.BotTokens), MaxBots)
			}
			if c.Capacity.Rate != tt.wantRate || c.Capacity.RateBurst != tt.wantBurst {
				t.Errorf("rate %v burst %d, want %v %d", c.Capacity.Rate, c.Capacity.RateBurst, tt.wantRate, tt.wantBurst)
			}
		})
	}
}

func manyTokens(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.Repeat("7", 1) + string(rune('0'+i/10)) + string(rune('0'+i%10)) + ":tok")
	}
	return b.String()
}

// TestParseReportsCapacity: the variables go through FromEnv's one error.
func TestParseReportsCapacity(t *testing.T) {
	t.Setenv("TG_RATE", "fast")
	_, err := validRaw().parse(noFile)
	var v *VarError
	if !errors.As(err, &v) || v.Name != "TG_RATE" {
		t.Errorf("got %v, want a TG_RATE problem", err)
	}
}

// problemShape is every message parseBotTokens may give: positions, no values.
var problemShape = regexp.MustCompile(`^(entry [0-9]+ (must look like 123456:ABC-def \(digits, colon, token\)|is a second token of a bot already listed)|at most 50 bots \(a channel has at most 50 admins, bots included\))$`)

// FuzzParseBotTokens: whatever the list, accepted tokens are well formed,
// distinct bots, not the first, and no problem quotes the input.
func FuzzParseBotTokens(f *testing.F) {
	for _, s := range []string{"", "1:a", "1:a,2:b", " 3:c ,, 3:d", "x", "123456:ABC,123456:ABC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		const first = "123456:ABC"
		got, problem := parseBotTokens(first, list)
		if problem != "" {
			if got != nil {
				t.Fatalf("tokens %v with problem %q", got, problem)
			}
			if !problemShape.MatchString(problem) {
				t.Fatalf("problem %q is not one of the fixed messages (it may quote the input)", problem)
			}
			return
		}
		ids := map[string]bool{"123456": true}
		for _, tok := range got {
			if !botTokenPattern.MatchString(tok) {
				t.Fatalf("accepted %q", tok)
			}
			id, _, _ := strings.Cut(tok, ":")
			if ids[id] {
				t.Fatalf("bot %s twice in %v", id, got)
			}
			ids[id] = true
		}
	})
}
