// Package bot is the link bot: a Telegram Bot API bot, served as a webhook
// (POST /telegram) or by long polling, that copies a file it is sent into
// the log channel with a fresh code as the caption and answers with the
// file's links. It speaks the Bot API over HTTP; the only thing it asks of
// the stream core is whether a log-channel message still holds a copy.
package bot

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/filetolink/filetolink/pkg/bottoken"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/web"
	"github.com/filetolink/filetolink/templates"
)

// Files is what the bot needs from the stream core (*stream.Service).
type Files interface {
	// Resolve describes log-channel message id (its caption is the code).
	Resolve(ctx context.Context, id int) (*stream.File, error)
	// Forget drops id from the resolved-message cache.
	Forget(id int)
}

// Options configure a Bot. Zero values mean the defaults.
type Options struct {
	// Token is BOT_TOKEN; the bot's user id is its first part.
	Token string
	// APIURL is the Bot API server (default DefaultAPIURL).
	APIURL string
	// ChannelID is the log channel's bare id (1234567890, not -100…).
	ChannelID int64
	// PublicBaseURL is the base of the links; "" takes it from each webhook
	// request (web.BaseURL). The poller needs it.
	PublicBaseURL string
	// WorkerBaseURL adds "fast" links on a CDN Worker when set; the
	// Download link of a file over MaxResponseBytes goes there too.
	WorkerBaseURL string
	// MaxResponseBytes is the deployment's response cap (0: none).
	MaxResponseBytes int64
	// AllowedUsers may make and revoke links; empty: everyone may make them.
	AllowedUsers []int64
	// LinksPerMinute one user may ask for (default DefaultLinksPerMinute).
	LinksPerMinute int
	// Secret is the webhook's secret token (default WebhookSecret(Token)).
	Secret string
	// Files checks that a remembered copy still exists (nil: trusted).
	Files Files
	// Signer makes expiring links (/link 24h); nil: the bot makes none.
	Signer *links.Signer
	// LinkTTL is the lifetime of links when /link names none (BOT_LINK_TTL);
	// 0: links that do not expire. It needs Signer.
	LinkTTL time.Duration
	// Store remembers updates and copies (default NewMemory()).
	Store Store
	// HTTPClient calls the Bot API (default a new http.Client).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// DefaultLinksPerMinute is the per-user limit when Options.LinksPerMinute is 0.
const DefaultLinksPerMinute = 10

// AllowedUpdates are the update types the bot asks Telegram for.
var AllowedUpdates = []string{"message", "channel_post"}

// Bot handles updates. Its methods are safe for concurrent use.
type Bot struct {
	opts    Options
	botID   int64
	api     *api
	store   Store
	limiter *limiter
	log     *slog.Logger

	meMu     sync.Mutex
	username string // from getMe, asked only when a command names a bot

	localAlbums *Memory // album notes when the Store keeps none
}

// New returns a Bot. It calls nothing until an update arrives.
func New(o Options) *Bot {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	o.APIURL = strings.TrimRight(o.APIURL, "/")
	if o.LinksPerMinute <= 0 {
		o.LinksPerMinute = DefaultLinksPerMinute
	}
	if o.Secret == "" {
		o.Secret = WebhookSecret(o.Token)
	}
	if o.Store == nil {
		o.Store = NewMemory()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Bot{
		opts:    o,
		botID:   bottoken.ID(o.Token),
		api:     &api{base: o.APIURL, token: o.Token, http: o.HTTPClient},
		store:   o.Store,
		limiter: newLimiter(o.LinksPerMinute, time.Minute),
		log:     o.Logger,

		localAlbums: NewMemory(),
	}
}

// webhookSecretLabel is mixed with the bot token into the default secret.
const webhookSecretLabel = "filetolink webhook secret v1"

// WebhookSecret is the default secret token of the webhook: hex
// HMAC-SHA256 of a fixed label keyed with the bot token. Deriving it needs
// nothing the operator does not already have; it reveals nothing of the
// token (64 characters within Telegram's 1-256 of [A-Za-z0-9_-]).
func WebhookSecret(token string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(webhookSecretLabel))
	return hex.EncodeToString(mac.Sum(nil))
}

// Secret is the secret token the webhook expects.
func (b *Bot) Secret() string { return b.opts.Secret }

// NewCode returns a fresh code: 128 random bits, base64url (22 characters).
func NewCode() string {
	var buf [16]byte
	_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

// Outcome is what became of an update.
type Outcome struct {
	// Reply is the answer to send, nil for none.
	Reply *Call
	// Note says what was done, for logs and the webhook's plain answer
	// ("ignored: ..." when nothing was).
	Note string
}

// Handle answers one update. links are built on base. Failures become a
// message to the user: Handle never asks for a redelivery.
func (b *Bot) Handle(ctx context.Context, u *Update, base string) Outcome {
	m, channel := u.Message, false
	if m == nil && u.ChannelPost != nil {
		m, channel = u.ChannelPost, true
	}
	if m == nil {
		return Outcome{Note: "ignored: not a message"}
	}
	if !channel && (m.From == nil || m.From.IsBot) {
		return Outcome{Note: "ignored: not from a user"}
	}
	first, err := b.store.FirstDelivery(ctx, u.UpdateID)
	if err != nil {
		// Better a rare double answer than none.
		b.log.Warn("bot: update store", "err", err)
	} else if !first {
		return Outcome{Note: "ignored: update " + strconv.FormatInt(u.UpdateID, 10) + " was already handled"}
	}
	private := m.Chat.Type == "private"
	b.noteAlbum(ctx, m)
	cmd, forOther := b.command(ctx, m)
	if forOther {
		return Outcome{Note: "ignored: a command for another bot"}
	}
	switch {
	case cmd == "fdl" || cmd == "link":
		src := m.ReplyTo
		if _, own := mediaOf(m); src == nil && own {
			src = m // a file sent with /fdl as its caption
		}
		if src == nil {
			return b.reply(m, "Reply to a file with /fdl to get its links.", "no file")
		}
		if src.Chat.ID != m.Chat.ID {
			// Telegram only replies within a chat; anything else is forged.
			return b.reply(m, "Reply to a file in this chat with /fdl.", "fdl: file of another chat")
		}
		ttl, usage := b.linkTTL(m)
		if usage != "" {
			return b.reply(m, usage, "bad lifetime")
		}
		if src.MediaGroupID != "" {
			return b.linkAlbum(ctx, m, src, base, ttl)
		}
		return b.link(ctx, m, src, base, ttl)
	case cmd == "revoke":
		return b.revoke(ctx, m)
	case channel:
		return Outcome{Note: "ignored: a channel post that is not /fdl or /revoke"}
	case cmd == "" && private:
		if _, ok := mediaOf(m); ok {
			if m.MediaGroupID != "" && !b.firstOfAlbum(ctx, m) {
				return Outcome{Note: "album member noted"}
			}
			return b.link(ctx, m, m, base, b.defaultTTL())
		}
		return b.reply(m, helpText, "help")
	case cmd == "start" || cmd == "help" || private:
		return b.reply(m, helpText, "help")
	}
	return Outcome{Note: "ignored: not a command of this bot"}
}

const helpText = "<b>FileToLink</b>\n" +
	"Send me a file (document, video, audio, voice, video note, animation, photo or sticker), " +
	"or reply to one with /fdl in a group, and I answer with a download link and, for video and audio, a stream link.\n" +
	"/revoke in reply to my link message stops its links."

// command is m's bot command ("fdl" for "/fdl@name args"), "" for none;
// forOther when it names another bot.
func (b *Bot) command(ctx context.Context, m *Message) (cmd string, forOther bool) {
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	if !strings.HasPrefix(text, "/") {
		return "", false
	}
	word, _, _ := strings.Cut(text[1:], " ")
	word, _, _ = strings.Cut(word, "\n")
	name, target, named := strings.Cut(word, "@")
	if named && !strings.EqualFold(target, b.me(ctx)) {
		return "", true
	}
	return strings.ToLower(name), false
}

// me is the bot's username, asked (getMe) only when a command names a bot,
// and kept once known.
func (b *Bot) me(ctx context.Context) string {
	b.meMu.Lock()
	defer b.meMu.Unlock()
	if b.username == "" {
		var u User
		if err := b.api.call(ctx, "getMe", map[string]any{}, &u); err != nil {
			b.log.Warn("bot: getMe", "err", err)
		}
		b.username = u.Username
	}
	return b.username
}

// actor is who sent m: the user, or for a channel post the channel.
func actor(m *Message) int64 {
	if m.From != nil {
		return m.From.ID
	}
	return m.Chat.ID
}

// inLogChannel: posts there come from its admins, the operator.
func (b *Bot) inLogChannel(m *Message) bool {
	return m.Chat.ID == b.channelChatID()
}

// allowed reports whether m's sender may make links: a user of the list
// (everyone without one), or a post in the log channel.
func (b *Bot) allowed(m *Message) bool {
	if b.inLogChannel(m) {
		return true
	}
	return len(b.opts.AllowedUsers) == 0 || m.From != nil && slices.Contains(b.opts.AllowedUsers, m.From.ID)
}

// mayRevoke: with a list, its users; without one, the one user of a
// private chat (the link was made for them); and posts in the log channel.
func (b *Bot) mayRevoke(m *Message) bool {
	if b.inLogChannel(m) {
		return true
	}
	if len(b.opts.AllowedUsers) > 0 {
		return b.allowed(m)
	}
	return m.Chat.Type == "private"
}

func (b *Bot) limited(m *Message) (Outcome, bool) {
	ok, wait := b.limiter.allow(actor(m))
	if ok {
		return Outcome{}, false
	}
	secs := int(wait.Seconds()) + 1
	return b.reply(m, fmt.Sprintf("Too many requests: try again in %d s.", secs), "rate limited"), true
}

// link copies src's file into the log channel (or reuses its copy) and
// answers m with the links, which expire after ttl when it is not 0.
func (b *Bot) link(ctx context.Context, m, src *Message, base string, ttl time.Duration) Outcome {
	if !b.allowed(m) {
		return b.reply(m, "Sorry, you are not allowed to make links with this bot.", "user not allowed")
	}
	md, ok := mediaOf(src)
	if !ok {
		return b.reply(m, "That message has no file. Supported: document, video, audio, voice, video note, animation, photo, sticker.", "no file")
	}
	if out, limited := b.limited(m); limited {
		return out
	}
	c, reused, err := b.copyFile(ctx, CopyKey(actor(m), md.file.FileUniqueID), src.Chat.ID, src.MessageID, md)
	if err != nil {
		return b.reply(m, "Sorry, I could not copy the file into the log channel ("+html.EscapeString(reason(err))+
			"). Please send it again in a minute.", "copy failed")
	}
	if base == "" {
		return b.reply(m, "The file is stored, but this deployment does not know its public URL: the operator must set PUBLIC_BASE_URL. "+
			"Message "+strconv.Itoa(c.MessageID)+" of the log channel.", "no base URL")
	}
	g, expires := b.grant(c, ttl)
	links := MakeGrantLinks(base, b.opts.WorkerBaseURL, c.MessageID, g, md.kind).
		WholeOnWorker(md.file.FileSize, b.opts.MaxResponseBytes)
	text := linkText(fileNameOf(c.MessageID, md), md.file.FileSize, links) + expiryLine(expires)
	if src.MediaGroupID != "" {
		text += "\n\n<i>Album: reply /link to any of its files for every file's links in one message.</i>"
	}
	out := b.reply(m, text, "link")
	if reused {
		out.Note = "link (reused copy)"
	}
	out.Reply.Params["reply_markup"] = links.keyboard()
	return out
}

// CopyKey names the copy of the file with fileUniqueID made for actor (a
// user, or a channel for its posts). Copies are per actor so that /revoke,
// which deletes the copy, stops only links its sender made: a shared copy
// would have one URL and code for every user, which no revoke by one of
// them could stop without stopping the others'.
func CopyKey(actor int64, fileUniqueID string) string {
	return strconv.FormatInt(actor, 10) + ":" + fileUniqueID
}

// copyFile returns the log-channel copy under key (CopyKey) of message id
// of chat, whose file is md: the remembered one while it holds its code,
// else a new copy with a fresh code.
func (b *Bot) copyFile(ctx context.Context, key string, chatID int64, id int, md media) (c Copy, reused bool, err error) {
	if c, ok := b.reuse(ctx, key); ok {
		return c, true, nil
	}
	code := NewCode()
	var res struct {
		MessageID int `json:"message_id"`
	}
	err = b.api.call(ctx, "copyMessage", map[string]any{
		"chat_id":      b.channelChatID(),
		"from_chat_id": chatID,
		"message_id":   id,
		"caption":      code,
	}, &res)
	if err == nil && res.MessageID <= 0 {
		err = errors.New("bot api copyMessage: no message_id in the answer")
	}
	if err != nil {
		b.log.Warn("bot: copy into the log channel failed", "err", err)
		return Copy{}, false, err
	}
	c = Copy{MessageID: res.MessageID, Code: code}
	if err := b.store.PutCopy(ctx, key, c); err != nil {
		b.log.Warn("bot: copy store", "err", err)
	}
	return c, false, nil
}

// fileNameOf is the name the file md, copied as message id, is served under.
func fileNameOf(id int, md media) string {
	return web.FileName(stream.NewFile(stream.File{MessageID: id, Name: md.file.FileName, MIMEType: md.file.MIMEType, Kind: md.kind}, nil))
}

// reuse returns the remembered copy under key if it is still in the log
// channel with its code (a revoke deletes it or changes its caption).
func (b *Bot) reuse(ctx context.Context, key string) (Copy, bool) {
	c, ok, err := b.store.Copy(ctx, key)
	if err != nil {
		b.log.Warn("bot: copy store", "err", err)
		return Copy{}, false
	}
	if !ok {
		return Copy{}, false
	}
	if b.opts.Files != nil {
		f, err := b.opts.Files.Resolve(ctx, c.MessageID)
		if err != nil || f.Caption != c.Code {
			return Copy{}, false
		}
	}
	return c, true
}

// revoke stops the links of the link message m replies to: the copy is
// deleted (or, when Telegram refuses, its caption is replaced by a code
// nobody has).
func (b *Bot) revoke(ctx context.Context, m *Message) Outcome {
	target := m.ReplyTo
	if target == nil || target.From == nil || target.From.ID != b.botID {
		return b.reply(m, "Reply to one of my link messages with /revoke.", "revoke: no link message")
	}
	id, _, ok := linkIn(target)
	if !ok {
		return b.reply(m, "That message has no link of mine.", "revoke: no link")
	}
	if !b.mayRevoke(m) {
		return b.reply(m, "Sorry, you are not allowed to revoke links.", "revoke: not allowed")
	}
	if out, limited := b.limited(m); limited {
		return out
	}
	err := b.api.call(ctx, "deleteMessage", map[string]any{"chat_id": b.channelChatID(), "message_id": id}, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && strings.Contains(strings.ToLower(apiErr.Description), "not found") {
		err = nil // already gone
	} else if err != nil {
		b.log.Warn("bot: deleteMessage failed; replacing the caption", "err", err)
		err = b.api.call(ctx, "editMessageCaption", map[string]any{
			"chat_id": b.channelChatID(), "message_id": id, "caption": "revoked " + NewCode(),
		}, nil)
	}
	if err != nil {
		b.log.Warn("bot: revoke failed", "err", err)
		return b.reply(m, "Sorry, I could not revoke the links ("+html.EscapeString(reason(err))+"). Try again later.", "revoke failed")
	}
	if b.opts.Files != nil {
		b.opts.Files.Forget(id)
	}
	return b.reply(m, "Revoked: these links no longer work.", "revoked")
}

// linkIn finds the first link of this service in a message's buttons,
// entities or text.
func linkIn(m *Message) (id int, code string, ok bool) {
	var candidates []string
	if m.ReplyMarkup != nil {
		for _, row := range m.ReplyMarkup.InlineKeyboard {
			for _, btn := range row {
				candidates = append(candidates, btn.URL)
			}
		}
	}
	for _, e := range m.Entities {
		if e.URL != "" {
			candidates = append(candidates, e.URL)
		}
	}
	candidates = append(candidates, strings.Fields(m.Text)...)
	for _, c := range candidates {
		if id, g, ok := links.Parse(c); ok {
			return id, g.Code, true
		}
	}
	return 0, "", false
}

// channelChatID is the log channel as the Bot API names it: -100<id>.
func (b *Bot) channelChatID() int64 {
	v, _ := strconv.ParseInt("-100"+strconv.FormatInt(b.opts.ChannelID, 10), 10, 64)
	return v
}

// reply answers m in its chat with an HTML text.
func (b *Bot) reply(m *Message, text, note string) Outcome {
	return Outcome{Note: note, Reply: &Call{Method: "sendMessage", Params: map[string]any{
		"chat_id":              m.Chat.ID,
		"text":                 text,
		"parse_mode":           "HTML",
		"link_preview_options": map[string]any{"is_disabled": true},
		"reply_parameters":     map[string]any{"message_id": m.MessageID, "allow_sending_without_reply": true},
	}}}
}

// reason is the part of err a user may read: Telegram's description, or
// a generic phrase (network errors can name hosts).
func reason(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Description != "" {
		return "Telegram said: " + apiErr.Description
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Telegram did not answer in time"
	}
	return "Telegram could not be reached"
}

// linkText is the reply with the file's name, size and links, HTML-escaped.
func linkText(name string, size int64, l Links) string {
	var sb strings.Builder
	sb.WriteString("<b>File:</b> " + html.EscapeString(name) + "\n")
	if size > 0 {
		sb.WriteString("<b>Size:</b> " + html.EscapeString(templates.FormatBytes(size)) + "\n")
	}
	sb.WriteString("\n")
	for _, l := range l.List() {
		sb.WriteString("<b>" + l.Label + ":</b> <code>" + html.EscapeString(l.URL) + "</code>\n")
	}
	return strings.TrimSuffix(sb.String(), "\n")
}
