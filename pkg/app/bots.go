package app

import (
	"strconv"

	"github.com/filetolink/filetolink/pkg/bottoken"
	"github.com/filetolink/filetolink/pkg/fleet"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
	"github.com/filetolink/filetolink/pkg/web"
)

// botStatus turns the Telegram clients' status into the status page's rows.
func botStatus(statuses func() []tgclient.Status) func() []web.BotStatus {
	return func() []web.BotStatus {
		list := statuses()
		out := make([]web.BotStatus, len(list))
		for i, s := range list {
			out[i] = web.BotStatus{
				ID:            s.BotID,
				Connected:     s.Connected,
				Parts:         s.Parts,
				Bytes:         s.Bytes,
				FloodWaits:    s.FloodWaits,
				Rate:          s.Rate,
				OutOfRotation: s.OutOfRotation,
			}
		}
		return out
	}
}

// telegramService is what the stream core gets: one client, or a fleet of
// them with BOT_TOKENS.
type telegramService interface {
	stream.Telegram
	Close() error
}

// newClient is the default Options.NewTelegram.
func newClient(opts tgclient.Options) Telegram { return tgclient.New(opts) }

// newTelegram builds the client of every bot: with one token, that client
// itself; with more, a fleet over one client per token. pools are each
// bot's session pool by token (nil without REDIS_URL). It returns the
// bots' clients (the first first), what the stream core uses and the bots'
// status. build makes the one client of a single bot (nil: tgclient.New).
func newTelegram(opts tgclient.Options, tokens []string, pools map[string]*sessions.Pool, build func(tgclient.Options) Telegram) ([]Telegram, telegramService, func() []tgclient.Status) {
	if len(tokens) <= 1 {
		if p := pools[opts.BotToken]; p != nil {
			opts.Sessions = p
		}
		if build == nil {
			build = newClient
		}
		c := build(opts)
		return []Telegram{c}, c, func() []tgclient.Status { return []tgclient.Status{c.Status()} }
	}
	f := fleet.NewEach(opts, tokens, func(o *tgclient.Options) {
		if p := pools[o.BotToken]; p != nil {
			o.Sessions = p
		}
	})
	clients := make([]Telegram, 0, len(tokens))
	for _, c := range f.Clients() {
		clients = append(clients, c)
	}
	return clients, f, f.Status
}

// sessionPools opens each bot's session pool in store (nil: none): each
// bot has its own sessions, sealed with a key from its own token.
func sessionPools(store *sessions.Store, opts tgclient.Options, tokens []string) (map[string]*sessions.Pool, error) {
	if store == nil {
		return nil, nil
	}
	if len(tokens) == 0 {
		tokens = []string{opts.BotToken}
	}
	pools := map[string]*sessions.Pool{}
	for _, token := range tokens {
		p, err := store.Pool(strconv.FormatInt(bottoken.ID(token), 10), []byte(token+"\x00"+opts.APIHash))
		if err != nil {
			return nil, err
		}
		pools[token] = p
	}
	return pools, nil
}

// firstToken is the token of the bot that serves the webhook: BOT_TOKEN,
// which BOT_TOKENS lists first.
func firstToken(token string, tokens []string) string {
	if len(tokens) > 0 {
		return tokens[0]
	}
	return token
}
