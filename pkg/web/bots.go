package web

import "github.com/filetolink/filetolink/templates"

// BotStatus is one Telegram bot's state as /healthz and the status page
// show it.
type BotStatus = templates.Bot

// bots asks Options.Bots, if set.
func (s *server) bots() []BotStatus {
	if s.botStatus == nil {
		return nil
	}
	return s.botStatus()
}
