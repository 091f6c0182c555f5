package config

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/bottoken"
)

func TestParseCapacity(t *testing.T) {
	const first = "123456:ABC-def_9" // creds' BOT_TOKEN
	tests := []struct {
		name       string
		env        map[string]string
		wantTokens []string // nil: BOT_TOKENS unset or bad
		wantRate   float64
		wantBurst  int
		wantBad    []string // variables reported
	}{
		{"defaults: zero, the client's", nil, nil, 0, 0, nil},
		{"more bots", map[string]string{"BOT_TOKENS": "222:x-1, 333:y_2"}, []string{first, "222:x-1", "333:y_2"}, 0, 0, nil},
		{"BOT_TOKEN repeated and empty entries", map[string]string{"BOT_TOKENS": first + ",,222:x,"}, []string{first, "222:x"}, 0, 0, nil},
		{"rate and burst", map[string]string{"TG_RATE": "2.5", "TG_RATE_BURST": "3"}, nil, 2.5, 3, nil},
		{"bad token", map[string]string{"BOT_TOKENS": "222:x,SECRETVALUE"}, nil, 0, 0, []string{"BOT_TOKENS"}},
		{"second token of one bot", map[string]string{"BOT_TOKENS": "222:x,222:y"}, nil, 0, 0, []string{"BOT_TOKENS"}},
		{"other token of the first bot", map[string]string{"BOT_TOKENS": "123456:other"}, nil, 0, 0, []string{"BOT_TOKENS"}},
		{"bad rate", map[string]string{"TG_RATE": "0", "TG_RATE_BURST": "0"}, nil, 0, 0, []string{"TG_RATE", "TG_RATE_BURST"}},
		{"rate not a number", map[string]string{"TG_RATE": "NaN", "TG_RATE_BURST": "x"}, nil, 0, 0, []string{"TG_RATE", "TG_RATE_BURST"}},
		{"too many bots", map[string]string{"BOT_TOKENS": manyTokens(MaxBots)}, nil, 0, 0, []string{"BOT_TOKENS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(creds(tt.env), Serve)
			var bad []string
			var p Problems
			if errors.As(err, &p) {
				for _, e := range p {
					var v *VarError
					if errors.As(e, &v) {
						bad = append(bad, v.Name)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if strings.Join(bad, ",") != strings.Join(tt.wantBad, ",") {
				t.Errorf("problems with %v, want %v (%v)", bad, tt.wantBad, err)
			}
			if err != nil && (strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "x-1")) {
				t.Errorf("a problem repeats a token: %v", err)
			}
			if strings.Join(c.Capacity.BotTokens, ",") != strings.Join(tt.wantTokens, ",") {
				t.Errorf("tokens %v, want %v", c.Capacity.BotTokens, tt.wantTokens)
			}
			if c.Capacity.Rate != tt.wantRate || c.Capacity.RateBurst != tt.wantBurst {
				t.Errorf("rate %v burst %d, want %v %d", c.Capacity.Rate, c.Capacity.RateBurst, tt.wantRate, tt.wantBurst)
			}
		})
	}
	c, err := Parse(creds(map[string]string{"BOT_TOKENS": manyTokens(MaxBots - 1)}), Serve)
	if err != nil || len(c.Capacity.BotTokens) != MaxBots {
		t.Errorf("as many bots as a channel takes: %d tokens, %v", len(c.Capacity.BotTokens), err)
	}
}

func manyTokens(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("7" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + ":tok")
	}
	return b.String()
}

// problemShape is every message parseBotTokens may give: positions, no values.
var problemShape = regexp.MustCompile(`^(entry [0-9]+ (must look like 123456:ABC-def \(digits, colon, token\)|is a second token of a bot already listed)|at most 50 bots \(a channel has at most 50 admins, bots included\)|needs a valid BOT_TOKEN: it is the first bot)$`)

// FuzzParseBotTokens: whatever the list, accepted tokens are well formed,
// distinct bots, not the first, and no problem quotes the input.
func FuzzParseBotTokens(f *testing.F) {
	for _, s := range []string{"", "1:a", "1:a,2:b", " 3:c ,, 3:d", "x", "123456:ABC,123456:ABC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		const first = "123456:ABC"
		got, err := parseBotTokens(first, list)
		if err != nil {
			if got != nil {
				t.Fatalf("tokens %v with problem %q", got, err)
			}
			if !problemShape.MatchString(err.Error()) {
				t.Fatalf("problem %q is not one of the fixed messages (it may quote the input)", err)
			}
			return
		}
		ids := map[string]bool{"123456": true}
		for _, tok := range got {
			if !bottoken.Valid(tok) {
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
