package bot_test

// The link bot on two instances of the service that share one session store
// (REDIS_URL): what one instance handled and copied, the other knows.
// Telegram redelivers a webhook update when the first answer was late; a
// redelivery that reaches another instance must not copy the file into the
// log channel a second time, and a file sent again must reuse its copy.

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/filetolink/filetolink/internal/botapifake"
	"github.com/filetolink/filetolink/internal/redistest"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

// sharedSites are n instances over one fake Telegram, one fake Bot API and
// one redis-server, each on its own simulated host.
func sharedSites(t *testing.T, n int) ([]*site, *redistest.Server) {
	t.Helper()
	fake, botAPI, apiURL := fakes(t)
	redis := redistest.Start(t)
	var sites []*site
	for i := range n {
		host := tgfake.NewHost(i + 1)
		cfg := config.Config{
			APIID: tgfake.DefaultAPIID, APIHash: tgfake.DefaultAPIHash, BotToken: tgfake.DefaultBotToken,
			ChannelID: tgfake.DefaultChannelID, DC: fake.HomeDC(),
			Bot:      config.Bot{APIURL: apiURL},
			Sessions: config.Sessions{RedisURL: redis.URL()},
		}
		s := startSite(t, fake, botAPI, cfg, app.Options{
			Telegram: func(o *tgclient.Options) {
				o.DCList, o.PublicKeys, o.DC = fake.DCList(), fake.PublicKeys(), fake.HomeDC()
				o.Resolver = fake.ResolverWith(host.Dial)
			},
			Sessions: func(o *sessions.Options) {
				o.Dial = host.Dial
				o.Instance = "host" + strconv.Itoa(i+1)
			},
		})
		sites = append(sites, s)
	}
	return sites, redis
}

// checkSealed fails t if the store holds code in the clear: it holds update
// ids and copies, and a copy's code is a link's secret.
func checkSealed(t *testing.T, redis *redistest.Server, code string) {
	t.Helper()
	opts, err := goredis.ParseURL(redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx := redistest.Context(t, 10*time.Second)
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("redis KEYS: %d keys, %v", len(keys), err)
	}
	for _, k := range keys {
		v, err := c.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("redis DUMP %q: %v", k, err)
		}
		if strings.Contains(k, code) || strings.Contains(v, code) {
			t.Errorf("redis key %q holds a link's code in the clear", k)
		}
	}
}

// codeIn is the code of the first link in a reply's text ("" for none).
func codeIn(text string) string {
	_, after, ok := strings.Cut(text, "?code=")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(after, "=&\"< \n"); i >= 0 {
		after = after[:i]
	}
	return after
}

func TestRedeliveryToAnotherInstance(t *testing.T) {
	sites, redis := sharedSites(t, 2)
	a, b := sites[0], sites[1]
	m := sample(tgfake.KindVideo, "shared.mp4", 200<<10, 31)
	update := a.botAPI.Update(a.botAPI.UserMessage(botapifake.Private(user), user, "", m, nil))

	first := a.reply(t, update)
	code := codeIn(buttons(t, first)["Download"])
	if code == "" {
		t.Fatalf("no code in the link %q", buttons(t, first)["Download"])
	}
	checkSealed(t, redis, code)
	if n := a.botAPI.Calls("copyMessage"); n != 1 {
		t.Fatalf("first delivery: %d copyMessage calls, want 1", n)
	}
	// Telegram gave up waiting for host 1 and delivers the update again, to
	// host 2: it is answered without a second copy or reply.
	status, body := b.post(t, update)
	if status != http.StatusOK || strings.Contains(string(body), "sendMessage") {
		t.Errorf("redelivery to another instance: %d %q, want 200 without a reply", status, body)
	}
	if n := a.botAPI.Calls("copyMessage"); n != 1 {
		t.Errorf("after the redelivery: %d copyMessage calls, want 1", n)
	}

	// The same file sent again (a new update) to host 2 reuses host 1's copy:
	// the same links, and they download the very bytes from either host.
	again := b.reply(t, b.botAPI.Update(b.botAPI.UserMessage(botapifake.Private(user), user, "", m, nil)))
	if n := b.botAPI.Calls("copyMessage"); n != 1 {
		t.Errorf("the file sent again: %d copyMessage calls, want 1 (the copy reused)", n)
	}
	dl := buttons(t, first)["Download"]
	if got := buttons(t, again)["Download"]; got != strings.Replace(dl, a.srv.URL, b.srv.URL, 1) || dl == "" {
		t.Fatalf("links differ: host 1 %q, host 2 %q", dl, got)
	}
	want := tgfake.ReadRange(t, m.Content, 0, m.Content.Size()-1)
	for _, u := range []string{dl, buttons(t, again)["Download"]} {
		res, got := get(t, u)
		if res.StatusCode != http.StatusOK || string(got) != string(want) {
			t.Errorf("GET %s: %d, %d bytes; want 200 and the %d bytes sent", u, res.StatusCode, len(got), len(want))
		}
	}
}
