package web_test

// Signed (expiring) links over the real stream core and the fake Telegram,
// with a clock the test moves.

import (
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/internal/tgfake/tgfakeclient"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
	"github.com/filetolink/filetolink/pkg/web"
)

// clock is a time the test sets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newSignedSite(t *testing.T, signer *links.Signer) *site {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against the fake Telegram")
	}
	fake := tgfake.NewTest(t, tgfake.Options{})
	o := tgfakeclient.Options(fake)
	o.ConnectWait = 20 * time.Second
	client := tgclient.New(o)
	files := stream.New(client, stream.Options{ChannelID: tgfake.DefaultChannelID})
	srv := httptest.NewServer(web.New(web.Options{
		Files: files, Profile: platform.Profile{Name: "server"}, Signer: signer,
		Logger: slog.New(slog.DiscardHandler),
	}))
	t.Cleanup(func() {
		srv.Close()
		client.Close()
	})
	return &site{fake: fake, srv: srv}
}

func TestIntegrationExpiringLinks(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	signer := links.NewSigner("0123456789abcdef0123456789abcdef\x00123:bot", clk.now)
	s := newSignedSite(t, signer)
	content := tgfake.Pattern(7, 64*1024)
	id := s.fake.AddMessage("the caption", &tgfake.Media{Kind: tgfake.KindVideo, Name: "clip.mp4", MIMEType: "video/mp4", Content: content})
	g := signer.SignFor(id, "the caption", 24*time.Hour)
	dl := links.Download("", id, g)
	if strings.Contains(dl, "caption") || strings.Contains(dl, "code=") {
		t.Fatalf("a signed link shows the code: %s", dl)
	}

	// Before the expiry: the bytes, the player, and caches told to keep
	// it no longer than the link lives.
	resp, body := s.get(t, "GET", dl)
	if resp.StatusCode != 200 || string(body) != string(slice(t, content, 0, content.Size()-1)) {
		t.Fatalf("before expiry: %d, %d bytes", resp.StatusCode, len(body))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=3600" {
		t.Errorf("Cache-Control a day before expiry: %q", cc)
	}
	if resp, body := s.get(t, "GET", links.Player("", id, g)); resp.StatusCode != 200 || !strings.Contains(string(body), "exp="+strconv.FormatInt(g.Expires, 10)) ||
		!strings.Contains(string(body), "this link works until 2026-03-02 12:00 UTC") {
		t.Errorf("player before expiry: %d", resp.StatusCode)
	}
	clk.add(24*time.Hour - 10*time.Minute)
	if resp, _ := s.get(t, "HEAD", dl); resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=600" {
		t.Errorf("10 minutes before expiry: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}

	// Tampered: a later expiry, another signature, another message, a
	// malformed one: 403, never 410.
	later := g
	later.Expires += 365 * 24 * 3600
	otherSig := g
	otherSig.Sig = strings.Repeat("A", len(g.Sig))
	other := signer.SignFor(id, "another caption", time.Hour)
	for name, target := range map[string]string{
		"later expiry":   links.Download("", id, later),
		"other sig":      links.Download("", id, otherSig),
		"other caption":  links.Download("", id, other),
		"other key":      links.Download("", id, links.NewSigner("another key", clk.now).SignFor(id, "the caption", time.Hour)),
		"exp not digits": "/dl/" + strconv.Itoa(id) + "?exp=x1&sig=" + g.Sig,
		"short sig":      "/dl/" + strconv.Itoa(id) + "?exp=" + strconv.FormatInt(g.Expires, 10) + "&sig=abc",
		"no sig":         "/dl/" + strconv.Itoa(id) + "?exp=" + strconv.FormatInt(g.Expires, 10),
		"player":         links.Player("", id, later),
	} {
		if resp, body := s.get(t, "GET", target); resp.StatusCode != 403 || !strings.Contains(string(body), "signature") {
			t.Errorf("%s: %d %q, want 403", name, resp.StatusCode, body)
		}
	}

	// After the expiry: 410 with a line of text, a page for a browser, and
	// no more Telegram calls than the lookup (the message is cached: none).
	clk.add(10 * time.Minute)
	calls := s.fake.Calls(tg.ChannelsGetMessagesRequestTypeID) + s.fake.Calls(tg.UploadGetFileRequestTypeID)
	resp, body = s.get(t, "GET", dl)
	if resp.StatusCode != 410 || string(body) != "this link has expired; ask the sender for a new one\n" {
		t.Errorf("after expiry: %d %q, want 410", resp.StatusCode, body)
	}
	if n := s.fake.Calls(tg.ChannelsGetMessagesRequestTypeID) + s.fake.Calls(tg.UploadGetFileRequestTypeID); n != calls {
		t.Errorf("an expired link cost %d Telegram calls", n-calls)
	}
	resp, body = s.get(t, "GET", links.Player("", id, g), "Accept", "text/html")
	if resp.StatusCode != 410 || !strings.Contains(string(body), "<html") || !strings.Contains(string(body), "expired") {
		t.Errorf("player after expiry: %d %.200q", resp.StatusCode, body)
	}
	// A tampered expired link is still 403.
	early := g
	early.Expires -= 60
	if resp, _ := s.get(t, "GET", links.Download("", id, early)); resp.StatusCode != 403 {
		t.Errorf("tampered expired link: %d, want 403", resp.StatusCode)
	}
	// The caption link keeps working.
	if resp, _ := s.get(t, "HEAD", links.Download("", id, links.Code("the caption"))); resp.StatusCode != 200 {
		t.Errorf("caption link: %d", resp.StatusCode)
	}

	// A revoke (a new caption) stops a signed link that has not expired.
	id2 := s.fake.AddMessage("second", &tgfake.Media{Kind: tgfake.KindDocument, Name: "a.bin", Content: content})
	fresh := signer.SignFor(id2, "second", time.Hour)
	s.fake.SetCaption(id2, "revoked")
	if resp, _ := s.get(t, "HEAD", links.Download("", id2, fresh)); resp.StatusCode != 403 {
		t.Errorf("signed link after revoke: %d, want 403", resp.StatusCode)
	}
}
