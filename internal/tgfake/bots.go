package tgfake

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgtest"
)

// Bot is a bot account of the fake beyond Options.BotToken, for services
// that spread downloads over several bots (BOT_TOKENS).
type Bot struct {
	// Token is "<bot id>:<secret>"; each bot's id must be distinct.
	Token string
	// NotInChannel: the bot is not an admin of the log channel, so
	// channels.getChannels and channels.getMessages answer 400
	// CHANNEL_PRIVATE, as Telegram does for a bot outside a private channel.
	NotInChannel bool
}

// bot is one bot account as the Server keeps it.
type bot struct {
	id           int64
	token        string
	primary      bool // Options.BotToken: its hashes are the fake's originals
	notInChannel bool // under Server.mu
	revoked      bool // under Server.mu
	// loginTimes are the bot's recent successful logins, for the login
	// flood rule (keys.go; Telegram counts logins per bot). Under Server.mu.
	loginTimes []time.Time
}

// newBots lists Options.BotToken first, then Options.Bots.
func newBots(opts Options, primaryID int64) (map[int64]*bot, []*bot, error) {
	first := &bot{id: primaryID, token: opts.BotToken, primary: true}
	byID := map[int64]*bot{primaryID: first}
	order := []*bot{first}
	for _, b := range opts.Bots {
		id, err := botIDFromToken(b.Token)
		if err != nil {
			return nil, nil, err
		}
		if byID[id] != nil {
			return nil, nil, fmt.Errorf("tgfake: two bot tokens for bot id %d", id)
		}
		nb := &bot{id: id, token: b.Token, notInChannel: b.NotInChannel}
		byID[id] = nb
		order = append(order, nb)
	}
	return byID, order, nil
}

// BotTokens are the tokens of every bot the fake knows, Options.BotToken
// first, for BOT_TOKENS.
func (s *Server) BotTokens() []string {
	out := make([]string, len(s.botOrder))
	for i, b := range s.botOrder {
		out[i] = b.token
	}
	return out
}

// BotID is the user id of the bot with token, 0 if the fake has none.
func (s *Server) BotID(token string) int64 {
	if b := s.botByToken(token); b != nil {
		return b.id
	}
	return 0
}

// RevokeBot revokes token, as /revoke in @BotFather does: its logins answer
// 400 ACCESS_TOKEN_INVALID and every call on its authorized keys 401
// AUTH_KEY_UNREGISTERED.
func (s *Server) RevokeBot(token string) {
	b := s.botByToken(token)
	if b == nil {
		return
	}
	s.mu.Lock()
	b.revoked = true
	s.mu.Unlock()
}

// botByToken compares in constant time; nil if no bot has token.
func (s *Server) botByToken(token string) *bot {
	var found *bot
	for _, b := range s.botOrder {
		if subtle.ConstantTimeCompare([]byte(token), []byte(b.token)) == 1 {
			found = b
		}
	}
	return found
}

// botOfLocked is the bot the request's key acts as: the one it logged in
// as (the primary bot for a key authorized another way), nil if that bot
// was revoked. Whether the key is authorized at all is onMessage's check.
func (s *Server) botOfLocked(req *tgtest.Request) *bot {
	b := s.bots[s.keyBot[keyOf(req)]]
	if b == nil {
		b = s.botOrder[0]
	}
	if b.revoked {
		return nil
	}
	return b
}

// botOf is botOfLocked for handlers, which run without s.mu and only for
// keys whose bot is not revoked (onMessage checks); the primary bot stands
// in otherwise.
func (s *Server) botOf(req *tgtest.Request) *bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.botOfLocked(req); b != nil {
		return b
	}
	return s.botOrder[0]
}

// User is the bot's user object.
func (b *bot) user() *tg.User {
	u := &tg.User{
		Self:           true,
		Bot:            true,
		ID:             b.id,
		AccessHash:     int64(mix64(uint64(b.id)) >> 1),
		FirstName:      "FileToLink Test Bot",
		Username:       "filetolink_test_bot",
		BotInfoVersion: 1,
	}
	if !b.primary {
		u.FirstName = fmt.Sprintf("FileToLink Worker %d", b.id)
		u.Username = fmt.Sprintf("filetolink_worker_%d_bot", b.id)
	}
	return u
}

// hashFor is the access hash bot b sees for an object whose original hash
// (the primary bot's) is h: on Telegram each account has its own.
func (b *bot) hashFor(h int64) int64 {
	if b.primary {
		return h
	}
	return int64(mix64(uint64(h)^uint64(b.id)) >> 1)
}
