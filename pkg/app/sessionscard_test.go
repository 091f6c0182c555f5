package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/bottoken"
	"github.com/filetolink/filetolink/pkg/sessions"
)

// With BOT_TOKENS and REDIS_URL the status page and /healthz show every
// bot's session pool, each labelled by the bot's public id, each with its
// own pool's figures, and no token.
func TestSessionsCardShowsEveryBot(t *testing.T) {
	t.Parallel()
	f, tokens, withBots := newWorkerFleet(t, 1)
	in := f.start(0, withBots)
	defer in.close()
	for _, file := range f.files {
		checkRange(t, in.get(t, file, 0, 2*mib), file, 0, 2*mib)
	}

	fetch := func(path string) string {
		t.Helper()
		resp, err := http.Get(in.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	// A bot may still be logging in: its pool's figures are read before
	// and after the pages, and what they show must lie in between.
	pools := make([]*sessions.Pool, len(tokens))
	before := make([]sessions.Status, len(tokens))
	for i, token := range tokens {
		p, err := in.app.Sessions.Pool(strconv.FormatInt(bottoken.ID(token), 10), []byte(token+"\x00"+tgfake.DefaultAPIHash))
		if err != nil {
			t.Fatal(err)
		}
		pools[i], before[i] = p, p.Status(context.Background())
	}
	page, healthz := fetch("/"), fetch("/healthz")
	var h struct {
		Sessions    *sessions.Report  `json:"sessions"`
		BotSessions []sessions.Report `json:"botSessions"`
	}
	if err := json.Unmarshal([]byte(healthz), &h); err != nil {
		t.Fatalf("/healthz: %v\n%s", err, healthz)
	}
	_, card, _ := strings.Cut(page, `id="sessions"`)
	card, _, _ = strings.Cut(card, "</section>")
	if len(h.BotSessions) != len(tokens) {
		t.Fatalf("/healthz has %d session reports for %d bots:\n%s", len(h.BotSessions), len(tokens), healthz)
	}
	if h.Sessions == nil || h.Sessions.Bot != bottoken.ID(tokens[0]) {
		t.Errorf("/healthz sessions %+v, want the first bot's report", h.Sessions)
	}
	for i, token := range tokens {
		id := bottoken.ID(token)
		rep := h.BotSessions[i]
		after := pools[i].Status(context.Background())
		if rep.Bot != id || rep.Source != "pool" || rep.Pool == nil || !rep.Pool.Reachable ||
			rep.Pool.Stored < before[i].Stored || rep.Pool.Stored > after.Stored {
			t.Errorf("report %d: %+v (pool %+v), want bot %d's pool with %d to %d stored", i, rep, rep.Pool, id, before[i].Stored, after.Stored)
		}
		if !strings.Contains(card, "<h3>Bot "+strconv.FormatInt(id, 10)+"</h3>") {
			t.Errorf("the Sessions card lacks bot %d:\n%s", id, card)
		}
		_, secret, _ := strings.Cut(token, ":")
		for name, body := range map[string]string{"/": page, "/healthz": healthz} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows bot %d's token", name, id)
			}
		}
	}
	if n := strings.Count(card, "<dl class=\"stats\">"); n != len(tokens) {
		t.Errorf("the Sessions card has %d groups of facts for %d bots", n, len(tokens))
	}
}
