package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"

	"github.com/filetolink/filetolink/pkg/bot"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/stream"
)

// newBot is the link bot of a configuration. With a session store (pool
// is the first bot's) it remembers handled updates and copies there, for
// every instance; without, per process (bot.Memory).
func newBot(cfg config.Config, profile platform.Profile, files *stream.Service, signer *links.Signer, publicBaseURL string, pool *sessions.Pool, logger *slog.Logger) *bot.Bot {
	var store bot.Store
	if pool != nil {
		store = poolBotStore{pool}
	}
	return bot.New(bot.Options{
		Store:            store,
		Token:            cfg.BotToken,
		APIURL:           cfg.Bot.APIURL,
		ChannelID:        cfg.ChannelID,
		PublicBaseURL:    publicBaseURL,
		WorkerBaseURL:    cfg.Bot.WorkerBaseURL,
		MaxResponseBytes: profile.MaxResponseBytes,
		AllowedUsers:     cfg.Bot.AllowedUsers,
		LinksPerMinute:   cfg.Bot.LinksPerMinute,
		Secret:           cfg.Bot.WebhookSecret,
		Files:            files,
		Signer:           signer,
		LinkTTL:          cfg.Links.TTL,
		Logger:           logger,
	})
}

// poolBotStore is bot.Store over the session store: update ids and the
// copies (sealed: a copy holds its link's code).
type poolBotStore struct{ p *sessions.Pool }

func (s poolBotStore) FirstDelivery(ctx context.Context, id int64) (bool, error) {
	return s.p.FirstDelivery(ctx, id)
}

func (s poolBotStore) Copy(ctx context.Context, fileUniqueID string) (bot.Copy, bool, error) {
	data, ok, err := s.p.Recall(ctx, "copy:"+fileUniqueID)
	if err != nil || !ok {
		return bot.Copy{}, false, err
	}
	var c bot.Copy
	if json.Unmarshal(data, &c) != nil || c.MessageID <= 0 || c.Code == "" {
		return bot.Copy{}, false, nil
	}
	return c, true, nil
}

func (s poolBotStore) PutCopy(ctx context.Context, fileUniqueID string, c bot.Copy) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.p.Remember(ctx, "copy:"+fileUniqueID, data)
}

// PutAlbumMember implements bot.AlbumStore: album notes, sealed like the
// copies, so that every instance answers /link for a whole album.
func (s poolBotStore) PutAlbumMember(ctx context.Context, chatID int64, messageID int, m bot.AlbumMember) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.p.Remember(ctx, albumNote(chatID, messageID), data)
}

// AlbumMember implements bot.AlbumStore.
func (s poolBotStore) AlbumMember(ctx context.Context, chatID int64, messageID int) (bot.AlbumMember, bool, error) {
	data, ok, err := s.p.Recall(ctx, albumNote(chatID, messageID))
	if err != nil || !ok {
		return bot.AlbumMember{}, false, err
	}
	var m bot.AlbumMember
	if json.Unmarshal(data, &m) != nil || m.GroupID == "" {
		return bot.AlbumMember{}, false, nil
	}
	return m, true, nil
}

func albumNote(chatID int64, messageID int) string {
	return "album:" + strconv.FormatInt(chatID, 10) + ":" + strconv.Itoa(messageID)
}
