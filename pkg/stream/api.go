package stream

import (
	"context"

	"github.com/gotd/td/tg"
)

// telegramAPI is all of Telegram's API the core calls: three methods of
// *tg.Client, as gotd's downloader.Client narrows what a downloader needs.
// In production it is the gotd client; unit tests give the core an
// in-memory one.
type telegramAPI interface {
	ChannelsGetChannels(ctx context.Context, id []tg.InputChannelClass) (tg.MessagesChatsClass, error)
	ChannelsGetMessages(ctx context.Context, request *tg.ChannelsGetMessagesRequest) (tg.MessagesMessagesClass, error)
	UploadGetFile(ctx context.Context, request *tg.UploadGetFileRequest) (tg.UploadFileClass, error)
}

// conn is where the core gets a telegramAPI: the home DC for messages, a
// DC's download pool for bytes.
type conn interface {
	home(ctx context.Context) (telegramAPI, error)
	dc(ctx context.Context, dc int) (telegramAPI, error)
	connected() bool
	// spread is over how many idle accounts download calls may go.
	spread() int
}

// telegramConn is the conn of a Telegram (the gotd client).
type telegramConn struct{ t Telegram }

func (c telegramConn) home(ctx context.Context) (telegramAPI, error) {
	api, err := c.t.API(ctx)
	if err != nil {
		return nil, err
	}
	return api, nil
}

func (c telegramConn) dc(ctx context.Context, dc int) (telegramAPI, error) {
	api, err := c.t.DC(ctx, dc)
	if err != nil {
		return nil, err
	}
	return api, nil
}

func (c telegramConn) connected() bool { return c.t.Connected() }

// Spreader is a Telegram whose upload.getFile calls go to several
// accounts, each with its own connections and rate (pkg/fleet's bots).
// Spread is how many are idle now; a Telegram without it is one account.
type Spreader interface{ Spread() int }

func (c telegramConn) spread() int {
	if s, ok := c.t.(Spreader); ok {
		return s.Spread()
	}
	return 1
}
