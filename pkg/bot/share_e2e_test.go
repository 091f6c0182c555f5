package bot_test

// Links people share: albums answered once, and expiring links, end to end
// over the fake Telegram and the fake Bot API.

import (
	"crypto/sha256"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/botapifake"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/links"
)

var codeURL = regexp.MustCompile(`(Download|Stream): <code>([^<]+)</code>`)

// urls are the links of a reply's text by label, in order.
func urls(text, label string) []string {
	var out []string
	for _, m := range codeURL.FindAllStringSubmatch(text, -1) {
		if m[1] == label {
			out = append(out, strings.ReplaceAll(m[2], "&amp;", "&"))
		}
	}
	return out
}

func sameBytes(t *testing.T, url string, m *tgfake.Media) {
	t.Helper()
	res, body := get(t, url)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	want := sha256.Sum256(tgfake.ReadRange(t, m.Content, 0, m.Content.Size()-1))
	if sha256.Sum256(body) != want {
		t.Errorf("GET %s: %d bytes, not the file's", url, len(body))
	}
}

// An album of 3 files sent to the bot: answered once (by its first
// message), and /link in reply to any of its messages answers once with
// the 3 files' working links, each file copied once.
func TestAlbumOneAnswer(t *testing.T) {
	s := newSite(t, nil)
	chat := botapifake.Private(user)
	files := []*tgfake.Media{
		sample(tgfake.KindVideo, "one.mp4", 100<<10, 31),
		sample(tgfake.KindPhoto, "", 50<<10, 32),
		sample(tgfake.KindDocument, "three.pdf", 70<<10, 33),
	}
	var msgs []map[string]any
	answers := 0
	for _, f := range files {
		msg := s.botAPI.UserMessage(chat, user, "", f, nil)
		msg["media_group_id"] = "13579"
		msgs = append(msgs, msg)
		status, body := s.post(t, s.botAPI.Update(msg))
		if status != 200 {
			t.Fatalf("album message: %d %s", status, body)
		}
		if strings.Contains(string(body), `"sendMessage"`) {
			answers++
			if !strings.Contains(string(body), "Album") {
				t.Errorf("the album's answer does not say how to get every link: %s", body)
			}
		}
	}
	if answers != 1 {
		t.Errorf("an album of 3 got %d answers, want 1", answers)
	}
	call := s.send(t, chat, user, "/link", nil, msgs[1])
	text := call["text"].(string)
	dls := urls(text, "Download")
	if len(dls) != 3 || !strings.Contains(text, "3 files") || !strings.Contains(text, "one.mp4") || !strings.Contains(text, "three.pdf") {
		t.Fatalf("/link to an album: %d links:\n%s", len(dls), text)
	}
	for i, dl := range dls {
		sameBytes(t, dl, files[i])
	}
	if st := urls(text, "Stream"); len(st) != 1 {
		t.Errorf("stream links %v, want the video's only", st)
	}
	if n := s.botAPI.Calls("copyMessage"); n != 3 {
		t.Errorf("%d copies for 3 files", n)
	}
	// Asked again: the same copies.
	again := s.send(t, chat, user, "/link", nil, msgs[2])["text"].(string)
	if n := s.botAPI.Calls("copyMessage"); n != 3 || len(urls(again, "Download")) != 3 {
		t.Errorf("second /link: %d copies, %d links", n, len(urls(again, "Download")))
	}
}

// /link 24h makes links that carry an expiry and a signature, not the
// code; BOT_LINK_TTL makes them by default; a tampered one is refused.
func TestExpiringLinkFromBot(t *testing.T) {
	s := newSite(t, func(c *config.Config) {
		c.Links = config.Links{SigningKey: strings.Repeat("k", 32)}
	})
	chat := botapifake.Private(user)
	m := sample(tgfake.KindVideo, "timed.mp4", 90<<10, 41)
	file := s.botAPI.UserMessage(chat, user, "", m, nil)
	if call := s.reply(t, s.botAPI.Update(file)); strings.Contains(buttons(t, call)["Download"], "exp=") {
		t.Errorf("without a lifetime the link expires: %v", buttons(t, call))
	}
	call := s.send(t, chat, user, "/link 24h", nil, file)
	text, btn := call["text"].(string), buttons(t, call)
	dl := btn["Download"]
	if !strings.Contains(dl, "exp=") || !strings.Contains(dl, "sig=") || strings.Contains(dl, "code=") || !strings.Contains(text, "Expires:") {
		t.Fatalf("/link 24h: %s\n%s", dl, text)
	}
	id, g, ok := links.Parse(dl)
	if !ok || !g.Signed() {
		t.Fatalf("Parse(%s) = %v %+v", dl, ok, g)
	}
	if left := time.Until(g.ExpiresAt()); left < 23*time.Hour || left > 24*time.Hour {
		t.Errorf("expires in %v, want 24h", left)
	}
	sameBytes(t, dl, m)
	if res, _ := get(t, btn["Stream"]); res.StatusCode != 200 {
		t.Errorf("signed stream link (the player): %d", res.StatusCode)
	}
	g.Expires += 3600
	if res, _ := get(t, s.srv.URL+links.Download("", id, g)); res.StatusCode != 403 {
		t.Errorf("a later expiry: %d, want 403", res.StatusCode)
	}
	for _, bad := range []string{"/link 5x", "/link 0s", "/link 400d", "/link 1h 2h"} {
		if text := s.send(t, chat, user, bad, nil, file)["text"].(string); !strings.Contains(text, "Usage") {
			t.Errorf("%s: %q", bad, text)
		}
	}
	// /revoke in reply to the expiring link's message stops it.
	linkMsg, err := s.botAPI.BotMessage(call)
	if err != nil {
		t.Fatal(err)
	}
	if text := s.send(t, chat, user, "/revoke", nil, linkMsg)["text"].(string); !strings.Contains(text, "Revoked") {
		t.Fatalf("/revoke: %q", text)
	}
	if res, _ := get(t, dl); res.StatusCode == 200 {
		t.Errorf("revoked expiring link: 200")
	}

	// BOT_LINK_TTL: links expire without being asked.
	s2 := newSite(t, func(c *config.Config) {
		c.Links = config.Links{SigningKey: strings.Repeat("k", 32), TTL: time.Hour}
	})
	call = s2.sendFile(t, sample(tgfake.KindDocument, "d.pdf", 3000, 42))
	if dl := buttons(t, call)["Download"]; !strings.Contains(dl, "exp=") {
		t.Errorf("with BOT_LINK_TTL: %s", dl)
	}
}
