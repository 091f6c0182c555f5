package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/sessions"
)

// The Sessions card shows each bot's report, titled by the bot's id, the
// note once; /healthz lists every report.
func TestSessionsCardEveryBot(t *testing.T) {
	reports := []sessions.Report{
		{Bot: 7770001, Source: "pool", Note: "the note", Session: "pool", Pool: &sessions.Status{Reachable: true, Stored: 3, Leased: 1, Logins: 2, LoginBudget: 10, LeaseTTL: "1m0s"}},
		{Bot: 7770002, Source: "pool", Note: "the note", Session: "pool (new login)", Pool: &sessions.Status{Reachable: true, Stored: 5, Leased: 4, Logins: 7, LoginBudget: 10, LeaseTTL: "1m0s"}},
	}
	e := newEnv(t, Options{Sessions: func(context.Context) []sessions.Report { return reports }})

	page := e.do("GET", "/").Body.String()
	_, card, _ := strings.Cut(page, `id="sessions"`)
	card, _, _ = strings.Cut(card, "</section>")
	first, second, ok := strings.Cut(card, "<h3>Bot 7770002</h3>")
	if !ok || !strings.Contains(first, "<h3>Bot 7770001</h3>") {
		t.Fatalf("the card does not title both bots, the first first:\n%s", card)
	}
	for _, part := range []struct{ html, stored, leased, logins string }{
		{first, "<dd>3</dd>", "<dd>1</dd>", "2 of 10"},
		{second, "<dd>5</dd>", "<dd>4</dd>", "7 of 10"},
	} {
		for _, want := range []string{part.stored, part.leased, part.logins} {
			if !strings.Contains(part.html, want) {
				t.Errorf("a bot's facts lack %q:\n%s", want, part.html)
			}
		}
	}
	if n := strings.Count(card, "the note"); n != 1 {
		t.Errorf("the note is shown %d times, want once", n)
	}

	var h struct {
		Sessions    *sessions.Report  `json:"sessions"`
		BotSessions []sessions.Report `json:"botSessions"`
	}
	if err := json.Unmarshal(e.do("GET", "/healthz").Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.BotSessions) != 2 || h.BotSessions[0].Bot != 7770001 || h.BotSessions[1].Bot != 7770002 || h.BotSessions[1].Pool == nil || h.BotSessions[1].Pool.Stored != 5 {
		t.Errorf("/healthz botSessions %+v", h.BotSessions)
	}
	// "sessions" keeps its shape: the first bot's report.
	if h.Sessions == nil || h.Sessions.Bot != 7770001 || h.Sessions.Source == "" {
		t.Errorf("/healthz sessions %+v, want the first bot's report", h.Sessions)
	}
}
