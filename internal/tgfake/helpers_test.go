package tgfake

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// newClient is a gotd client for srv with a fresh in-memory session.
func newClient(srv *Server, dc int) *telegram.Client {
	return telegram.NewClient(DefaultAPIID, DefaultAPIHash, clientOptions(srv, dc))
}

func clientOptions(srv *Server, dc int) telegram.Options {
	return telegram.Options{
		PublicKeys:     srv.PublicKeys(),
		DCList:         srv.DCList(),
		Resolver:       srv.Resolver(),
		DC:             dc,
		NoUpdates:      true,
		SessionStorage: &session.StorageMemory{},
	}
}

// newMemory is an in-memory fake (NewMemory) for the test, closed when it
// ends. Inside a synctest bubble it belongs to the bubble.
func newMemory(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := NewMemory(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close fake Telegram: %v", err)
		}
	})
	return srv
}

// memLogin is a new in-memory connection to the home DC logged in as the
// bot with token, as a client's auth.importBotAuthorization does.
func memLogin(ctx context.Context, srv *Server, token string) (*tg.Client, error) {
	api := tg.NewClient(srv.Invoker(srv.HomeDC()))
	if _, err := api.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{
		APIID: srv.opts.APIID, APIHash: srv.opts.APIHash, BotAuthToken: token,
	}); err != nil {
		return nil, fmt.Errorf("bot login: %w", err)
	}
	return api, nil
}

// memOnDC is a new in-memory connection to DC dc authorized as home's bot:
// auth.exportAuthorization on home, auth.importAuthorization on dc, as
// gotd's client.DC does.
func memOnDC(ctx context.Context, srv *Server, home *tg.Client, dc int) (*tg.Client, error) {
	exp, err := home.AuthExportAuthorization(ctx, dc)
	if err != nil {
		return nil, fmt.Errorf("export to DC %d: %w", dc, err)
	}
	api := tg.NewClient(srv.Invoker(dc))
	if _, err := api.AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes}); err != nil {
		return nil, fmt.Errorf("import on DC %d: %w", dc, err)
	}
	return api, nil
}

// otherSession is another in-memory connection on inv's auth key (a new
// session id, as a client's pool opens): authorized when inv is.
func otherSession(inv tg.Invoker) tg.Invoker {
	m := inv.(*memoryInvoker)
	session := m.session
	session.ID++
	return &memoryInvoker{s: m.s, dc: m.dc, session: session}
}

// runMemory runs f with an in-memory connection to the home DC logged in
// as the bot with token. f returns its failures, as run's does.
func runMemory(t *testing.T, srv *Server, token string, f func(ctx context.Context, api *tg.Client) error) {
	t.Helper()
	ctx := t.Context()
	api, err := memLogin(ctx, srv, token)
	if err != nil {
		t.Fatal(err)
	}
	if err := f(ctx, api); err != nil {
		t.Fatal(err)
	}
}

// wantRPCError checks that err is the Telegram error code/typ.
func wantRPCError(err error, code int, typ string) error {
	var rpcErr *tgerr.Error
	if !errors.As(err, &rpcErr) {
		return fmt.Errorf("got error %v, want %d %s", err, code, typ)
	}
	if rpcErr.Code != code || rpcErr.Type != typ {
		return fmt.Errorf("got %d %s, want %d %s", rpcErr.Code, rpcErr.Message, code, typ)
	}
	return nil
}

// inputChannel resolves the log channel the way a bot does.
func inputChannel(ctx context.Context, api *tg.Client, id int64) (*tg.InputChannel, error) {
	chats, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{&tg.InputChannel{ChannelID: id}})
	if err != nil {
		return nil, fmt.Errorf("channels.getChannels: %w", err)
	}
	list := chats.GetChats()
	if len(list) != 1 {
		return nil, fmt.Errorf("channels.getChannels: %d chats", len(list))
	}
	ch, ok := list[0].(*tg.Channel)
	if !ok {
		return nil, fmt.Errorf("channels.getChannels: %T", list[0])
	}
	return ch.AsInput(), nil
}

// getMessage reads one message of the log channel.
func getMessage(ctx context.Context, api *tg.Client, ch *tg.InputChannel, id int) (tg.MessageClass, error) {
	res, err := api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{
		Channel: ch,
		ID:      []tg.InputMessageClass{&tg.InputMessageID{ID: id}},
	})
	if err != nil {
		return nil, fmt.Errorf("channels.getMessages: %w", err)
	}
	msgs, ok := res.(*tg.MessagesChannelMessages)
	if !ok {
		return nil, fmt.Errorf("channels.getMessages: %T", res)
	}
	if len(msgs.Messages) != 1 {
		return nil, fmt.Errorf("channels.getMessages: %d messages", len(msgs.Messages))
	}
	return msgs.Messages[0], nil
}

// mediaOf returns the media of message id as an M, and what it holds as
// a T (media.Document, media.Photo) through inner.
func mediaOf[M tg.MessageMediaClass, T any](ctx context.Context, api *tg.Client, ch *tg.InputChannel, id int, inner func(M) any) (T, error) {
	var zero T
	m, err := getMessage(ctx, api, ch, id)
	if err != nil {
		return zero, err
	}
	msg, ok := m.(*tg.Message)
	if !ok {
		return zero, fmt.Errorf("message %d: %T", id, m)
	}
	media, ok := msg.Media.(M)
	if !ok {
		return zero, fmt.Errorf("message %d media: %T", id, msg.Media)
	}
	v, ok := inner(media).(T)
	if !ok {
		return zero, fmt.Errorf("message %d holds %T", id, inner(media))
	}
	return v, nil
}

// documentOf returns the document of message id.
func documentOf(ctx context.Context, api *tg.Client, ch *tg.InputChannel, id int) (*tg.Document, error) {
	return mediaOf[*tg.MessageMediaDocument, *tg.Document](ctx, api, ch, id, func(m *tg.MessageMediaDocument) any { return m.Document })
}

// photoOf returns the photo of message id.
func photoOf(ctx context.Context, api *tg.Client, ch *tg.InputChannel, id int) (*tg.Photo, error) {
	return mediaOf[*tg.MessageMediaPhoto, *tg.Photo](ctx, api, ch, id, func(m *tg.MessageMediaPhoto) any { return m.Photo })
}

// channelDocument returns the document of message id of the log channel.
func channelDocument(ctx context.Context, api *tg.Client, id int) (*tg.Document, error) {
	ch, err := inputChannel(ctx, api, DefaultChannelID)
	if err != nil {
		return nil, err
	}
	return documentOf(ctx, api, ch, id)
}

// channelPhoto returns the photo of message id of the log channel.
func channelPhoto(ctx context.Context, api *tg.Client, id int) (*tg.Photo, error) {
	ch, err := inputChannel(ctx, api, DefaultChannelID)
	if err != nil {
		return nil, err
	}
	return photoOf(ctx, api, ch, id)
}

func docLocation(d *tg.Document) *tg.InputDocumentFileLocation {
	return &tg.InputDocumentFileLocation{ID: d.ID, AccessHash: d.AccessHash, FileReference: d.FileReference}
}

func photoLocation(p *tg.Photo, size string) *tg.InputPhotoFileLocation {
	return &tg.InputPhotoFileLocation{ID: p.ID, AccessHash: p.AccessHash, FileReference: p.FileReference, ThumbSize: size}
}

// getFile reads one part with precise addressing.
func getFile(ctx context.Context, api *tg.Client, loc tg.InputFileLocationClass, offset int64, limit int) ([]byte, error) {
	res, err := api.UploadGetFile(ctx, &tg.UploadGetFileRequest{Precise: true, Location: loc, Offset: offset, Limit: limit})
	if err != nil {
		return nil, err
	}
	f, ok := res.(*tg.UploadFile)
	if !ok {
		return nil, fmt.Errorf("upload.getFile: %T", res)
	}
	return f.Bytes, nil
}

// contentAt reads want's bytes [off, off+n) clamped to its size.
func contentAt(c Content, off int64, n int) []byte {
	if off >= c.Size() {
		return []byte{}
	}
	b := make([]byte, min(int64(n), c.Size()-off))
	if _, err := c.ReadAt(b, off); err != nil && len(b) > 0 {
		// Content implementations of this package only fail past the end.
		panic(err)
	}
	return b
}
