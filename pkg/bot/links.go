package bot

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/templates"
)

// Links are the links of one log-channel message; the grammar is pkg/links'.
type Links struct {
	Download, Stream         string // Stream is "" for kinds the player does not play
	FastDownload, FastStream string // on WORKER_BASE_URL; "" without one
}

// MakeLinks builds the links of message id with code on base, and on
// worker when it is not "". Stream links are made for playable kinds
// (video, video note, animation, audio, voice) or when kind is "" (unknown).
func MakeLinks(base, worker string, id int, code string, kind stream.Kind) Links {
	return MakeGrantLinks(base, worker, id, links.Code(code), kind)
}

// MakeGrantLinks is MakeLinks for any grant.
func MakeGrantLinks(base, worker string, id int, g links.Grant, kind stream.Kind) Links {
	l := Links{Download: links.Download(base, id, g)}
	stream := kind == "" || playable(kind)
	if stream {
		l.Stream = links.Stream(base, id, g)
	}
	if worker != "" {
		l.FastDownload = links.Download(worker, id, g)
		if stream {
			l.FastStream = links.Stream(worker, id, g)
		}
	}
	return l
}

// WholeOnWorker moves the Download link to the Worker when one response
// here cannot carry the file: size (0 when Telegram did not say) over
// maxBytes, the deployment's cap (0: none). The Worker serves such files
// whole; a plain tool (curl, wget) given the origin's link would get a
// redirect or a slice. Fast Download, then the same link, is dropped.
func (l Links) WholeOnWorker(size, maxBytes int64) Links {
	if l.FastDownload == "" || maxBytes <= 0 || (size > 0 && size <= maxBytes) {
		return l
	}
	l.Download, l.FastDownload = l.FastDownload, ""
	return l
}

// Link is one labelled link.
type Link struct{ Label, URL string }

// List is the links that are set, labelled, in display order.
func (l Links) List() []Link {
	var out []Link
	for _, x := range []Link{{"Download", l.Download}, {"Stream", l.Stream}, {"Fast Download", l.FastDownload}, {"Fast Stream", l.FastStream}} {
		if x.URL != "" {
			out = append(out, x)
		}
	}
	return out
}

// keyboard is the links as buttons, two per row.
func (l Links) keyboard() InlineKeyboardMarkup {
	var rows [][]InlineKeyboardButton
	var row []InlineKeyboardButton
	for _, x := range l.List() {
		row = append(row, InlineKeyboardButton{Text: x.Label, URL: x.URL})
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return InlineKeyboardMarkup{InlineKeyboard: rows}
}

// linkTTL is the lifetime m's /link asks for ("/link 24h"), else the
// default; usage is the answer to a lifetime it cannot make.
func (b *Bot) linkTTL(m *Message) (ttl time.Duration, usage string) {
	args := commandArgs(m)
	if len(args) == 0 {
		return b.defaultTTL(), ""
	}
	ttl, err := links.ParseTTL(args[0])
	if err != nil || len(args) > 1 {
		return 0, "Usage: /link in reply to a file, or /link 24h for links that expire (30m, 24h, 7d, 2w; from 1m to 366d)."
	}
	if b.opts.Signer == nil {
		return 0, "This deployment makes no expiring links."
	}
	return ttl, ""
}

// defaultTTL is the lifetime of links nobody chose one for.
func (b *Bot) defaultTTL() time.Duration {
	if b.opts.Signer == nil {
		return 0
	}
	return b.opts.LinkTTL
}

// commandArgs are the words after m's command.
func commandArgs(m *Message) []string {
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	words := strings.Fields(text)
	if len(words) == 0 || !strings.HasPrefix(words[0], "/") {
		return nil
	}
	return words[1:]
}

// grant is what the links of copy c carry: its code, or with ttl > 0 a
// signed expiry (expires then).
func (b *Bot) grant(c Copy, ttl time.Duration) (g links.Grant, expires time.Time) {
	if ttl <= 0 || b.opts.Signer == nil {
		return links.Code(c.Code), time.Time{}
	}
	g = b.opts.Signer.SignFor(c.MessageID, c.Code, ttl)
	return g, g.ExpiresAt()
}

// expiryLine tells when links expire; "" for links that do not.
func expiryLine(expires time.Time) string {
	if expires.IsZero() {
		return ""
	}
	return "\n\n<b>Expires:</b> " + expires.UTC().Format("2006-01-02 15:04 UTC")
}

// maxText is the Bot API's bound on a message's text.
const maxText = 4096

// linkAlbum answers m once with the links of every noted file of src's
// album (at most MaxAlbum), each copied once; each file counts against
// the user's rate like a single link.
func (b *Bot) linkAlbum(ctx context.Context, m, src *Message, base string, ttl time.Duration) Outcome {
	if !b.allowed(m) {
		return b.reply(m, "Sorry, you are not allowed to make links with this bot.", "user not allowed")
	}
	if base == "" {
		return b.reply(m, "This deployment does not know its public URL: the operator must set PUBLIC_BASE_URL.", "no base URL")
	}
	members := b.album(ctx, src)
	if len(members) == 0 {
		return b.reply(m, "That message has no file. Supported: document, video, audio, voice, video note, animation, photo, sticker.", "no file")
	}
	var sb strings.Builder
	sb.WriteString("<b>Album:</b> " + strconv.Itoa(len(members)) + " files\n")
	linked := 0
	var expires time.Time
	for i, a := range members {
		if ok, wait := b.limiter.allow(actor(m)); !ok {
			fmt.Fprintf(&sb, "\n%d more not linked: too many requests; try again in %d s.", len(members)-i, int(wait.Seconds())+1)
			break
		}
		c, _, err := b.copyFile(ctx, CopyKey(actor(m), a.md.file.FileUniqueID), src.Chat.ID, a.id, a.md)
		if err != nil {
			fmt.Fprintf(&sb, "\n%d. not copied (%s)\n", i+1, html.EscapeString(reason(err)))
			continue
		}
		var g links.Grant
		g, expires = b.grant(c, ttl)
		l := MakeGrantLinks(base, "", c.MessageID, g, a.md.kind)
		fmt.Fprintf(&sb, "\n%d. <b>%s</b>", i+1, html.EscapeString(shorten(fileNameOf(c.MessageID, a.md), 80)))
		if a.md.file.FileSize > 0 {
			sb.WriteString(" (" + html.EscapeString(templates.FormatBytes(a.md.file.FileSize)) + ")")
		}
		sb.WriteString("\n")
		for _, x := range l.List() {
			sb.WriteString(x.Label + ": <code>" + html.EscapeString(x.URL) + "</code>\n")
		}
		linked++
	}
	text := strings.TrimSuffix(sb.String(), "\n") + expiryLine(expires)
	if len(text) > maxText {
		cut := strings.LastIndex(text[:maxText-40], "\n\n")
		text = text[:max(cut, 0)] + "\n\n(more files than one message holds)"
	}
	return b.reply(m, text, "album link ("+strconv.Itoa(linked)+" files)")
}

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
