package app

import (
	"log/slog"

	"github.com/filetolink/filetolink/pkg/bot"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/stream"
)

// newBot is the link bot of a configuration. Its store is per process
// (bot.Memory): updates and copies are remembered by this instance only.
func newBot(cfg config.Config, files *stream.Service, publicBaseURL string, logger *slog.Logger) *bot.Bot {
	return bot.New(bot.Options{
		Token:          cfg.BotToken,
		APIURL:         cfg.Bot.APIURL,
		ChannelID:      cfg.ChannelID,
		PublicBaseURL:  publicBaseURL,
		WorkerBaseURL:  cfg.Bot.WorkerBaseURL,
		AllowedUsers:   cfg.Bot.AllowedUsers,
		LinksPerMinute: cfg.Bot.LinksPerMinute,
		Secret:         cfg.Bot.WebhookSecret,
		Files:          files,
		Logger:         logger,
	})
}
