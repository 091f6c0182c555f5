package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/config"
)

// newWorkerFleet is a fleet of hosts whose fake has one more bot, their
// files registered; tokens are both bots' (BOT_TOKENS), withBots sets them.
// Two bots tell "each bot its own sessions" from "one pool for all".
func newWorkerFleet(t *testing.T, hosts int) (f *fleet, tokens []string, withBots func(*config.Config)) {
	t.Helper()
	f = newFleetBots(t, hosts, 8*time.Second, 5, []tgfake.Bot{{Token: "7770001:worker-one"}})
	f.registerFiles()
	tokens = f.fake.BotTokens()
	return f, tokens, func(c *config.Config) { c.Capacity.BotTokens = tokens }
}

// With BOT_TOKENS and REDIS_URL each bot keeps its own sessions: a cold
// start after the first takes every bot's session from the pool (no new
// login), and no key is used twice at once.
func TestSessionPoolPerBot(t *testing.T) {
	t.Parallel()
	f, tokens, withBots := newWorkerFleet(t, 2)
	serve := func(in *instance) {
		for round := range 3 {
			for _, file := range f.files {
				first := int64(round) * mib / 2 // the files are 3 MiB + 12345 bytes
				checkRange(t, in.get(t, file, first, first+mib), file, first, first+mib)
			}
		}
	}

	a := f.start(0, withBots)
	serve(a)
	loginsA := f.fake.Logins()
	stored := 0
	for _, token := range tokens {
		id, _, _ := strings.Cut(token, ":")
		p, err := a.app.Sessions.Pool(id, []byte(token+"\x00"+tgfake.DefaultAPIHash))
		if err != nil {
			t.Fatal(err)
		}
		st := p.Status(context.Background())
		if st.Stored > 1 {
			t.Errorf("bot %s: %d sessions stored after one instance, want at most 1", id, st.Stored)
		}
		stored += st.Stored
	}
	if loginsA == 0 || stored != loginsA {
		t.Errorf("%d logins, %d sessions stored over the bots' pools: want one stored per login", loginsA, stored)
	}
	a.close()

	// A cold start on another host: every bot that logged in before takes
	// its own stored session.
	b := f.start(1, withBots)
	defer b.close()
	serve(b)
	t.Logf("figures: %d bots, %d logins by the first instance, %d in all after a second cold start, %d duplicate-key events",
		len(tokens), loginsA, f.fake.Logins(), f.fake.DuplicateKeyEvents())
	if f.fake.Logins() > len(tokens) {
		t.Errorf("%d logins for %d bots: a bot logged in again instead of taking its pooled session", f.fake.Logins(), len(tokens))
	}
	if n := f.fake.DuplicateKeyEvents(); n != 0 {
		t.Errorf("%d duplicate-key events", n)
	}
}
