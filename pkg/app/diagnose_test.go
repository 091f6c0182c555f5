package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/stream"
)

// status is what / and /healthz say of the setup.
type status struct {
	index      int    // status of /
	class      string // data-class of the status line on /
	hint       string
	health     string // /healthz "telegram"
	healthHint string
}

func (s *site) status(t *testing.T) status {
	t.Helper()
	res := s.get(t, requestTimeout, "/")
	if res.err != nil {
		t.Fatalf("/: %s", res)
	}
	var st status
	st.index = res.status()
	if m := regexp.MustCompile(`data-class="([a-z_]*)"`).FindSubmatch(res.body); m != nil {
		st.class = string(m[1])
	}
	if m := regexp.MustCompile(`id="hint">([^<]*)<`).FindSubmatch(res.body); m != nil {
		st.hint = string(m[1])
	}
	res = s.get(t, requestTimeout, "/healthz")
	var h struct {
		Telegram string `json:"telegram"`
		Hint     string `json:"hint"`
		Status   string `json:"status"`
	}
	if err := json.Unmarshal(res.body, &h); err != nil || res.status() != http.StatusOK {
		t.Fatalf("/healthz: %s", res)
	}
	st.health, st.healthHint = h.Telegram, h.Hint
	return st
}

// waitStatus polls the status page until it leaves "connecting" (a cold
// login may take a while on a busy machine) and returns what it says then.
func (s *site) waitStatus(t *testing.T, want string) status {
	t.Helper()
	var st status
	waitEvery(eventWithin, slowPoll, func() bool {
		st = s.status(t)
		return st.class == want && st.health == want
	})
	return st
}

// With each mistake an operator makes, the status page and /healthz name
// it (a class and a hint, never a secret), and / answers 503 so that a bot
// checking GET / stops handing out links; while merely connecting, / is 200.
// In memory: the mistakes of the channel, which the stream core meets.
func TestStatusNamesTheSetupProblem(t *testing.T) {
	tests := setupProblems(false)
	t.Parallel()
	inMemory(t, len(tests), func(i int) string { return tests[i].name }, func(t *testing.T, i int) {
		tests[i].run(t, newColdMemSite(t, tests[i].tune))
	})
}

// TestStatusNamesTheSetupProblem over MTProto: a login refused by
// Telegram (credentials at the first login, the token at the login that
// replaces a revoked key) and an unreachable Telegram. The other refusals
// are the same classes through the same classification (pkg/tgerrclass's
// table): TestStatusNamesTheSetupProblem's cases in memory. The refusals
// share one fake (a wrong API_ID is refused before the token is read);
// the outage has a fake of its own.
func TestStatusNamesTheLoginProblem(t *testing.T) {
	tests := setupProblems(true)
	t.Parallel()
	if testing.Short() {
		t.Skip("integration test against the fake Telegram")
	}
	shared := tgfake.NewTest(t, tgfake.Options{})
	runAll(t, len(tests), func(i int) string { return tests[i].name }, func(t *testing.T, i int) {
		fake := shared
		if tests[i].alone {
			fake = tgfake.NewTest(t, tgfake.Options{})
		}
		tests[i].run(t, newColdSiteOn(t, fake, tests[i].tune))
	})
}

type setupProblem struct {
	name   string
	tune   func(*config.Config)
	fake   func(*tgfake.Server)
	warm   bool // log in and download once before the fault
	class  string
	broken bool
	wire   bool // met by the login over MTProto
	alone  bool // on the wire: the fault is the whole fake's
}

func setupProblems(wire bool) []setupProblem {
	tests := []setupProblem{
		{name: "working", class: stream.HealthOK},
		{name: "wrong api hash", tune: func(c *config.Config) { c.APIHash = "00000000000000000000000000000000" }, class: stream.HealthCredentials, broken: true},
		{name: "wrong api id", tune: func(c *config.Config) { c.APIID++ }, class: stream.HealthCredentials, broken: true, wire: true},
		{name: "wrong token", tune: func(c *config.Config) { c.BotToken = "123456:WRONGtoken" }, class: stream.HealthBotToken, broken: true},
		{name: "revoked token", warm: true, fake: (*tgfake.Server).RevokeBotToken, class: stream.HealthBotToken, broken: true, wire: true},
		{name: "wrong channel id", tune: func(c *config.Config) { c.ChannelID++ }, class: stream.HealthChannelID, broken: true},
		{name: "bot not in channel", fake: func(f *tgfake.Server) { f.SetBotInChannel(false) }, class: stream.HealthChannelAccess, broken: true},
		{name: "bot removed while warm", warm: true, fake: func(f *tgfake.Server) { f.SetBotInChannel(false) }, class: stream.HealthChannelAccess, broken: true},
		{name: "telegram unreachable", fake: func(f *tgfake.Server) { f.SetReachable(false) }, class: stream.HealthUnreachable, wire: true, alone: true},
	}
	return slices.DeleteFunc(tests, func(tt setupProblem) bool { return tt.wire != wire })
}

func (tt setupProblem) run(t *testing.T, s *site) {
	if tt.warm {
		if s.dial != nil {
			if _, err := s.app.Telegram.API(context.Background()); err != nil {
				t.Fatalf("login: %v", err)
			}
		} else {
			s.login(t) // however long a login takes on a busy machine
		}
		content := tgfake.Pattern(5, 1000)
		id := s.add("warm", &tgfake.Media{Kind: tgfake.KindDocument, Name: "w.bin", Content: content})
		checkExact(t, s.get(t, requestTimeout, dlPath(id, "warm")), http.StatusOK, tgfake.ReadRange(t, content, 0, content.Size()-1))
		if st := s.status(t); st.class != stream.HealthOK {
			t.Fatalf("warm: %+v", st)
		}
	} else if st := s.status(t); st.index != http.StatusOK && st.class == stream.HealthConnecting {
		t.Errorf("connecting: / answered %d, want 200", st.index)
	}
	if tt.fake != nil {
		tt.fake(s.fake)
	}
	st := s.waitStatus(t, tt.class)
	if st.class != tt.class || st.health != tt.class {
		t.Fatalf("status says %+v, want class %s", st, tt.class)
	}
	want := http.StatusOK
	if tt.broken {
		want = http.StatusServiceUnavailable
	}
	if st.index != want {
		t.Errorf("/ answered %d, want %d", st.index, want)
	}
	if tt.class != stream.HealthOK && (st.hint == "" || st.healthHint == "") {
		t.Errorf("no hint: %+v", st)
	}
	for _, secret := range []string{tgfake.DefaultBotToken, tgfake.DefaultAPIHash, "WRONGtoken"} {
		if strings.Contains(st.hint+st.healthHint, secret) {
			t.Errorf("the hint holds a secret: %+v", st)
		}
	}
}
