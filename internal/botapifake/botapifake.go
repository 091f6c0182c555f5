// Package botapifake is a fake Telegram Bot API server (the HTTP API at
// /bot<token>/<method>) that shares its log channel with a fake MTProto
// Telegram (package tgfake): a file a user "sends" is held here with its
// Bot API file ids and bytes, and copyMessage into the log channel posts a
// message on the tgfake side, with the same bytes, that the service can
// stream. Message ids in the log channel are tgfake's, as the Bot API's
// message_id in a channel is the MTProto id.
//
// Methods: getMe, copyMessage, sendMessage, deleteMessage,
// editMessageCaption, setWebhook, deleteWebhook, getWebhookInfo,
// getUpdates. Answers and errors have the Bot API's shape and wording.
package botapifake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// BotUsername is the fake bot's username (getMe).
const BotUsername = "filetolink_test_bot"

// Server is a fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	tg        *tgfake.Server
	token     string
	botID     int64
	channelID int64 // Bot API form: -100<id>

	mu      sync.Mutex
	chats   map[int64]*chat
	fail    map[string]*failure
	calls   map[string]int
	sent    []Sent
	updates []json.RawMessage
	nextUpd int64
	wake    chan struct{} // closed and replaced when an update is queued
	webhook Webhook
}

// Webhook is what setWebhook registered.
type Webhook struct {
	URL            string
	Secret         string
	AllowedUpdates []string
}

// Sent is a sendMessage call the fake received.
type Sent struct {
	ChatID int64
	Params map[string]any
}

type failure struct {
	code int
	desc string
	n    int
}

type chat struct {
	typ  string
	msgs map[int]*message
	next int
}

type message struct {
	json map[string]any
	file *tgfake.Media // nil: text
}

// New returns a fake Bot API for the bot token and log channel of tg
// (tgfake.DefaultBotToken and tgfake.DefaultChannelID unless tg was started
// with others: pass them here too).
func New(tg *tgfake.Server, token string, channelID int64) *Server {
	if token == "" {
		token = tgfake.DefaultBotToken
	}
	if channelID == 0 {
		channelID = tgfake.DefaultChannelID
	}
	id, _, _ := strings.Cut(token, ":")
	botID, _ := strconv.ParseInt(id, 10, 64)
	cid, _ := strconv.ParseInt("-100"+strconv.FormatInt(channelID, 10), 10, 64)
	return &Server{
		tg: tg, token: token, botID: botID, channelID: cid,
		chats: map[int64]*chat{}, fail: map[string]*failure{}, calls: map[string]int{},
		wake: make(chan struct{}),
	}
}

// ChannelChatID is the log channel's Bot API id, -100<id>.
func (s *Server) ChannelChatID() int64 { return s.channelID }

// FailNext makes the next n calls of method answer error code with
// description, as Telegram does ("Bad Request: ...", 429 "Too Many
// Requests: retry after 5").
func (s *Server) FailNext(method string, code int, description string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[method] = &failure{code: code, desc: description, n: n}
}

// Calls is how often method was called (failed calls included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Sent is every sendMessage received so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Webhook is the registered webhook (zero if none).
func (s *Server) Webhook() Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// Chat names a chat for UserMessage: a private chat has the user's id.
type Chat struct {
	ID   int64
	Type string // "private", "group", "supergroup"
}

// Private is the private chat of user with the bot.
func Private(user int64) Chat { return Chat{ID: user, Type: "private"} }

// UserMessage posts a message from user into c: text (or, with a file, its
// caption) and the file m (nil: none), replying to replyTo (nil: none; a
// message this fake returned). It returns the message as the Bot API
// delivers it.
func (s *Server) UserMessage(c Chat, user int64, text string, m *tgfake.Media, replyTo map[string]any) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chatLocked(c)
	ch.next++
	msg := map[string]any{
		"message_id": ch.next,
		"date":       time.Now().Unix(),
		"chat":       map[string]any{"id": c.ID, "type": c.Type},
		"from":       map[string]any{"id": user, "is_bot": false, "first_name": "User " + strconv.FormatInt(user, 10)},
	}
	if text != "" {
		key := "text"
		if m != nil {
			key = "caption"
		}
		msg[key] = text
		if strings.HasPrefix(text, "/") {
			word, _, _ := strings.Cut(text, " ")
			msg["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": len(word)}}
		}
	}
	if m != nil {
		addMedia(msg, m, ch.next)
	}
	if replyTo != nil {
		msg["reply_to_message"] = replyTo
	}
	ch.msgs[ch.next] = &message{json: msg, file: m}
	return msg
}

// ChannelPost posts into channel c (no sender: channels post as
// themselves) text (or, with a file, its caption) and the file m (nil:
// none), replying to replyTo (nil: none). A post into the log channel is
// also a message of the tgfake side, under the same id. It returns the
// message as the Bot API delivers it; wrap it with ChannelUpdate.
func (s *Server) ChannelPost(c Chat, text string, m *tgfake.Media, replyTo map[string]any) map[string]any {
	c.Type = "channel"
	if c.ID == s.channelID {
		caption := text
		id := s.tg.AddMessage(caption, m)
		s.mu.Lock()
		ch := s.chatLocked(c)
		ch.next = id - 1 // the Bot API's ids in a channel are MTProto's
		s.mu.Unlock()
	}
	msg := s.UserMessage(c, 0, text, m, replyTo)
	delete(msg, "from")
	msg["sender_chat"] = map[string]any{"id": c.ID, "type": "channel", "title": "Channel"}
	return msg
}

// ChannelUpdate wraps a channel post in an update with the next update_id.
func (s *Server) ChannelUpdate(post map[string]any) map[string]any {
	u := s.Update(post)
	delete(u, "message")
	u["channel_post"] = post
	return u
}

// Update wraps message in an update with the next update_id.
func (s *Server) Update(message map[string]any) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpd++
	return map[string]any{"update_id": s.nextUpd, "message": message}
}

// Queue makes update the next answer of getUpdates.
func (s *Server) Queue(update map[string]any) {
	raw, err := json.Marshal(update)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, raw)
	close(s.wake)
	s.wake = make(chan struct{})
}

func (s *Server) chatLocked(c Chat) *chat {
	ch := s.chats[c.ID]
	if ch == nil {
		ch = &chat{typ: c.Type, msgs: map[int]*message{}}
		s.chats[c.ID] = ch
	}
	return ch
}

// addMedia adds the Bot API's view of m to msg: the field of its kind with
// file_id (new for every message), file_unique_id (the same for the same
// bytes), name, type and size.
func addMedia(msg map[string]any, m *tgfake.Media, msgID int) {
	size := m.Content.Size()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(m.Content, 0, size)); err != nil {
		panic(err)
	}
	unique := "AgAD" + hex.EncodeToString(h.Sum(nil))[:16]
	f := map[string]any{
		"file_id":        fmt.Sprintf("BQACAgQ-%d-%s", msgID, unique),
		"file_unique_id": unique,
		"file_size":      size,
	}
	if m.Name != "" {
		f["file_name"] = m.Name
	}
	if m.MIMEType != "" && m.Kind != tgfake.KindPhoto && m.Kind != tgfake.KindSticker && m.Kind != tgfake.KindVideoNote {
		f["mime_type"] = m.MIMEType
	}
	if m.Width > 0 {
		f["width"], f["height"] = m.Width, m.Height
	}
	if m.Duration > 0 {
		f["duration"] = int(m.Duration + 0.5)
	}
	switch m.Kind {
	case tgfake.KindPhoto:
		small := map[string]any{"file_id": f["file_id"].(string) + "-s", "file_unique_id": unique + "-s", "file_size": size / 16, "width": 90, "height": 51}
		msg["photo"] = []map[string]any{small, f}
	case tgfake.KindAnimation:
		msg["animation"] = f
		msg["document"] = f // the Bot API sends both
	case tgfake.KindSticker:
		f["type"], f["is_animated"], f["is_video"] = "regular", false, false
		msg["sticker"] = f
	case tgfake.KindVideoNote:
		f["length"] = m.Width
		msg["video_note"] = f
	default:
		msg[m.Kind] = f // document, video, audio, voice
	}
}

// ServeHTTP answers /bot<token>/<method> with a JSON body of parameters.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		answerErr(w, 404, "Not Found")
		return
	}
	if token != s.token {
		answerErr(w, 401, "Unauthorized")
		return
	}
	var p params
	if body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20)); len(body) > 0 {
		if err := json.Unmarshal(body, &p.m); err != nil {
			answerErr(w, 400, "Bad Request: can't parse JSON")
			return
		}
	}
	s.mu.Lock()
	s.calls[method]++
	f := s.fail[method]
	if f != nil {
		if f.n--; f.n <= 0 {
			delete(s.fail, method)
		}
	}
	s.mu.Unlock()
	if f != nil {
		answerErr(w, f.code, f.desc)
		return
	}
	var result any
	var code int
	var desc string
	switch method {
	case "getMe":
		result = map[string]any{"id": s.botID, "is_bot": true, "first_name": "FileToLink", "username": BotUsername}
	case "copyMessage":
		result, code, desc = s.copyMessage(p)
	case "sendMessage":
		result, code, desc = s.sendMessage(p)
	case "deleteMessage":
		result, code, desc = s.deleteMessage(p)
	case "editMessageCaption":
		result, code, desc = s.editMessageCaption(p)
	case "setWebhook":
		s.mu.Lock()
		s.webhook = Webhook{URL: p.str("url"), Secret: p.str("secret_token"), AllowedUpdates: p.strs("allowed_updates")}
		s.mu.Unlock()
		result = true
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook = Webhook{}
		s.mu.Unlock()
		result = true
	case "getWebhookInfo":
		wh := s.Webhook()
		result = map[string]any{"url": wh.URL, "pending_update_count": 0, "allowed_updates": wh.AllowedUpdates}
	case "getUpdates":
		result, code, desc = s.getUpdates(r.Context(), p)
	default:
		code, desc = 404, "Not Found: method not found"
	}
	if code != 0 {
		answerErr(w, code, desc)
		return
	}
	answer(w, result)
}

func (s *Server) copyMessage(p params) (any, int, string) {
	if p.int("chat_id") != s.channelID {
		return nil, 400, "Bad Request: chat not found"
	}
	s.mu.Lock()
	var src *message
	if ch := s.chats[p.int("from_chat_id")]; ch != nil {
		src = ch.msgs[int(p.int("message_id"))]
	}
	s.mu.Unlock()
	if src == nil {
		return nil, 400, "Bad Request: message to copy not found"
	}
	var m *tgfake.Media
	if src.file != nil {
		c := *src.file
		m = &c
	}
	id := s.tg.AddMessage(p.str("caption"), m)
	return map[string]any{"message_id": id}, 0, ""
}

func (s *Server) sendMessage(p params) (any, int, string) {
	chatID := p.int("chat_id")
	text := p.str("text")
	if text == "" {
		return nil, 400, "Bad Request: message text is empty"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil {
		return nil, 400, "Bad Request: chat not found"
	}
	s.sent = append(s.sent, Sent{ChatID: chatID, Params: p.m})
	ch.next++
	if chatID == s.channelID {
		ch.next = s.tg.AddMessage(text, nil) // a post in the log channel is an MTProto message too
	}
	msg := map[string]any{
		"message_id": ch.next,
		"date":       time.Now().Unix(),
		"chat":       map[string]any{"id": chatID, "type": ch.typ},
		"from":       map[string]any{"id": s.botID, "is_bot": true, "first_name": "FileToLink", "username": BotUsername},
		"text":       text,
	}
	if rm, ok := p.m["reply_markup"]; ok {
		msg["reply_markup"] = rm
	}
	ch.msgs[ch.next] = &message{json: msg}
	return msg, 0, ""
}

// BotMessage is the message the bot sent with reply (a webhook answer,
// which Telegram executes as a sendMessage): it is posted into its chat and
// returned as the Bot API would show it in reply_to_message.
func (s *Server) BotMessage(reply map[string]any) (map[string]any, error) {
	if reply["method"] != "sendMessage" {
		return nil, fmt.Errorf("botapifake: reply is %v, not sendMessage", reply["method"])
	}
	p := params{m: reply}
	res, code, desc := s.sendMessage(p)
	if code != 0 {
		return nil, fmt.Errorf("botapifake: sendMessage: %d %s", code, desc)
	}
	return res.(map[string]any), nil
}

func (s *Server) deleteMessage(p params) (any, int, string) {
	if p.int("chat_id") != s.channelID {
		return nil, 400, "Bad Request: chat not found"
	}
	id := int(p.int("message_id"))
	if !s.tg.HasMessage(id) {
		return nil, 400, "Bad Request: message to delete not found"
	}
	s.tg.DeleteMessage(id)
	return true, 0, ""
}

func (s *Server) editMessageCaption(p params) (any, int, string) {
	if p.int("chat_id") != s.channelID {
		return nil, 400, "Bad Request: chat not found"
	}
	if !s.tg.SetCaption(int(p.int("message_id")), p.str("caption")) {
		return nil, 400, "Bad Request: message to edit not found"
	}
	return map[string]any{"message_id": p.int("message_id")}, 0, ""
}

func (s *Server) getUpdates(ctx context.Context, p params) (any, int, string) {
	s.mu.Lock()
	hook := s.webhook.URL
	s.mu.Unlock()
	if hook != "" {
		return nil, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	}
	offset := p.int("offset")
	deadline := time.After(time.Duration(p.int("timeout")) * time.Second)
	for {
		s.mu.Lock()
		var out []json.RawMessage
		for _, u := range s.updates {
			var head struct {
				UpdateID int64 `json:"update_id"`
			}
			_ = json.Unmarshal(u, &head)
			if head.UpdateID >= offset {
				out = append(out, u)
			}
		}
		wake := s.wake
		s.mu.Unlock()
		if len(out) > 0 {
			return out, 0, ""
		}
		select {
		case <-wake:
		case <-deadline:
			return []json.RawMessage{}, 0, ""
		case <-ctx.Done():
			return []json.RawMessage{}, 0, ""
		}
	}
}

type params struct{ m map[string]any }

func (p params) str(k string) string {
	v, _ := p.m[k].(string)
	return v
}

func (p params) int(k string) int64 {
	switch v := p.m[k].(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

func (p params) strs(k string) []string {
	var out []string
	if l, ok := p.m[k].([]any); ok {
		for _, v := range l {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func answer(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func answerErr(w http.ResponseWriter, code int, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if code == 429 {
		body["parameters"] = map[string]any{"retry_after": 1}
	}
	_ = json.NewEncoder(w).Encode(body)
}
