package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/pkg/stream"
)

func TestWebhookSecret(t *testing.T) {
	a, b := WebhookSecret("123:abc"), WebhookSecret("123:abd")
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`).MatchString(a) || len(a) != 64 {
		t.Errorf("secret %q is not 64 characters Telegram accepts", a)
	}
	if a == b || a != WebhookSecret("123:abc") || strings.Contains(a, "abc") {
		t.Errorf("secrets %q %q: want stable, per token, not holding it", a, b)
	}
	if New(Options{Token: "1:x"}).Secret() != WebhookSecret("1:x") || New(Options{Token: "1:x", Secret: "own"}).Secret() != "own" {
		t.Error("Options.Secret: zero derives, set overrides")
	}
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := NewCode()
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(c) || seen[c] {
			t.Fatalf("code %q: want 22 base64url characters (128 bits), never repeated", c)
		}
		seen[c] = true
	}
}

func TestMediaOf(t *testing.T) {
	f := func(id string) *File { return &File{FileID: id, FileUniqueID: "u" + id} }
	for _, tc := range []struct {
		name string
		msg  Message
		kind stream.Kind
		id   string
		mime string
	}{
		{"document", Message{Document: f("d")}, stream.KindDocument, "d", ""},
		{"animation comes with a document", Message{Animation: f("a"), Document: f("d")}, stream.KindAnimation, "a", ""},
		{"video", Message{Video: f("v")}, stream.KindVideo, "v", ""},
		{"video note", Message{VideoNote: f("n")}, stream.KindVideoNote, "n", ""},
		{"audio", Message{Audio: f("au")}, stream.KindAudio, "au", ""},
		{"voice", Message{Voice: f("vo")}, stream.KindVoice, "vo", ""},
		{"sticker", Message{Sticker: f("s")}, stream.KindSticker, "s", "image/webp"},
		{"video sticker", Message{Sticker: &File{FileID: "s", FileUniqueID: "us", IsVideo: true}}, stream.KindSticker, "s", "video/webm"},
		{"photo: the largest size", Message{Photo: []File{
			{FileID: "small", FileUniqueID: "1", Width: 90, Height: 60},
			{FileID: "big", FileUniqueID: "2", Width: 1280, Height: 720},
			{FileID: "mid", FileUniqueID: "3", Width: 320, Height: 200},
		}}, stream.KindPhoto, "big", "image/jpeg"},
	} {
		m, ok := mediaOf(&tc.msg)
		if !ok || m.kind != tc.kind || m.file.FileID != tc.id || m.file.MIMEType != tc.mime {
			t.Errorf("%s: %v %+v", tc.name, ok, m)
		}
	}
	for _, msg := range []*Message{nil, {}, {Text: "hi"}, {Document: &File{FileID: "no unique id"}}} {
		if _, ok := mediaOf(msg); ok {
			t.Errorf("%+v: media found", msg)
		}
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(2, time.Minute)
	l.now = func() time.Time { return now }
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.allow(1); ok != want {
			t.Errorf("action %d: %v, want %v", i, ok, want)
		}
	}
	if ok, _ := l.allow(2); !ok {
		t.Error("another user is limited")
	}
	now = now.Add(30 * time.Second)
	if ok, wait := l.allow(1); ok || wait != 30*time.Second {
		t.Errorf("within the window: %v, wait %s", ok, wait)
	}
	now = now.Add(30 * time.Second)
	if ok, _ := l.allow(1); !ok {
		t.Error("a new window is still limited")
	}
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	for id := int64(1); id <= MemoryUpdates+5; id++ {
		if first, _ := m.FirstDelivery(ctx, id); !first {
			t.Fatalf("update %d seen before", id)
		}
	}
	if first, _ := m.FirstDelivery(ctx, MemoryUpdates+5); first {
		t.Error("a recent update is not remembered")
	}
	if first, _ := m.FirstDelivery(ctx, 1); !first {
		t.Error("the oldest update is remembered beyond the bound")
	}
	if len(m.updates) > MemoryUpdates {
		t.Errorf("%d updates held", len(m.updates))
	}
	_ = m.PutCopy(ctx, "u", Copy{MessageID: 5, Code: "c"})
	if c, ok, _ := m.Copy(ctx, "u"); !ok || c.MessageID != 5 {
		t.Errorf("copy %+v %v", c, ok)
	}
}

func TestLinkIn(t *testing.T) {
	m := &Message{
		Text: "File: x\nDownload: https://h.example/dl/12?code=abc",
		ReplyMarkup: &InlineKeyboardMarkup{InlineKeyboard: [][]InlineKeyboardButton{{
			{Text: "Stream", URL: "https://h.example/dl/34?code=zz=stream"},
		}}},
	}
	if id, code, ok := linkIn(m); !ok || id != 34 || code != "zz" {
		t.Errorf("buttons first: %d %q %v", id, code, ok)
	}
	m.ReplyMarkup = nil
	if id, code, ok := linkIn(m); !ok || id != 12 || code != "abc" {
		t.Errorf("text: %d %q %v", id, code, ok)
	}
	if _, _, ok := linkIn(&Message{Text: "https://h.example/other/1?code=x"}); ok {
		t.Error("a foreign link taken for ours")
	}
}

func TestCallJSON(t *testing.T) {
	b, err := json.Marshal(Call{Method: "sendMessage", Params: map[string]any{"chat_id": 5, "text": "<b>x</b>"}})
	if err != nil || !strings.Contains(string(b), `"method":"sendMessage"`) || !strings.Contains(string(b), `"chat_id":5`) {
		t.Errorf("%s %v", b, err)
	}
}

// FuzzParseUpdate: any body is an update or refused, never a panic; what
// is accepted survives Handle without a network (no Bot API reachable).
func FuzzParseUpdate(f *testing.F) {
	for _, s := range []string{
		`{"update_id":1,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"from":{"id":1},"text":"/start"}}`,
		`{"update_id":2,"message":{"message_id":1,"chat":{"id":1,"type":"private"},"from":{"id":1},"text":"/revoke","reply_to_message":{"message_id":1,"chat":{"id":1,"type":"private"},"from":{"id":7},"text":"https://h/dl/1?code=x"}}}`,
		`{"update_id":3,"message":{"message_id":1,"chat":{"id":-5,"type":"group"},"from":{"id":1},"text":"/fdl@x_bot"}}`,
		`{"update_id":4,"message":{"photo":[],"from":{"id":1},"chat":{"type":"private"}}}`,
		`{}`, `[]`, `null`, `{"update_id":1e400}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	b := New(Options{Token: "7:x", APIURL: "http://127.0.0.1:1", ChannelID: 1, Logger: slog.New(slog.DiscardHandler)})
	f.Fuzz(func(t *testing.T, body []byte) {
		u, ok := parseUpdate(body)
		if !ok {
			return
		}
		if u.UpdateID <= 0 {
			t.Fatalf("accepted update_id %d", u.UpdateID)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		out := b.Handle(ctx, u, "https://h.example")
		if out.Note == "" {
			t.Fatal("an outcome without a note")
		}
		if out.Reply != nil {
			if _, err := json.Marshal(out.Reply); err != nil {
				t.Fatal(err)
			}
		}
	})
}
