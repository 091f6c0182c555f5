package app

import (
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
