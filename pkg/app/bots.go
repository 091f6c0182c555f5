package app

import (
	"github.com/filetolink/filetolink/pkg/fleet"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/telegram"
	"github.com/filetolink/filetolink/pkg/web"
)

// botStatus turns the Telegram clients' status into the status page's rows.
func botStatus(statuses func() []telegram.Status) func() []web.BotStatus {
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

// newTelegram builds the client of every bot: with one token, that client
// itself; with more, a fleet over one client per token. It returns the
// first bot's client, what the stream core uses and the bots' status.
func newTelegram(opts telegram.Options, tokens []string) (*telegram.Client, telegramService, func() []telegram.Status) {
	if len(tokens) <= 1 {
		c := telegram.New(opts)
		return c, c, func() []telegram.Status { return []telegram.Status{c.Status()} }
	}
	f := fleet.New(opts, tokens)
	return f.Clients()[0], f, f.Status
}
