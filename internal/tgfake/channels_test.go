package tgfake

import (
	"context"
	"fmt"
	"testing"

	"github.com/gotd/td/tg"
)

func TestGetChannels(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{ChannelID: 777000111})
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		chats, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{&tg.InputChannel{ChannelID: 777000111}})
		if err != nil {
			return err
		}
		ch, ok := chats.GetChats()[0].(*tg.Channel)
		if !ok || ch.ID != 777000111 || ch.AccessHash == 0 || ch.Title == "" || ch.Photo == nil {
			return fmt.Errorf("channel = %+v", chats.GetChats()[0])
		}
		// The real access hash works too.
		if _, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{ch.AsInput()}); err != nil {
			return fmt.Errorf("with access hash: %w", err)
		}

		bad := []tg.InputChannelClass{
			&tg.InputChannel{ChannelID: DefaultChannelID},
			&tg.InputChannel{ChannelID: 777000111, AccessHash: ch.AccessHash + 1},
			&tg.InputChannelEmpty{},
		}
		for _, in := range bad {
			_, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{in})
			if err := wantRPCError(err, 400, "CHANNEL_INVALID"); err != nil {
				return fmt.Errorf("%v: %w", in, err)
			}
		}
		return nil
	})
}

func TestGetMessages(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	text := srv.AddMessage("just text", nil)
	doc := srv.AddMessage("code-1", &Media{Kind: KindDocument, Name: "report.pdf", MIMEType: "application/pdf", Content: Pattern(7, 5000)})
	gone := srv.AddMessage("code-2", &Media{Kind: KindDocument, Name: "gone.bin", Content: Pattern(8, 10)})
	srv.DeleteMessage(gone)

	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		ch, err := inputChannel(ctx, api, DefaultChannelID)
		if err != nil {
			return err
		}
		res, err := api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{
			Channel: ch,
			ID: []tg.InputMessageClass{
				&tg.InputMessageID{ID: text}, &tg.InputMessageID{ID: doc},
				&tg.InputMessageID{ID: gone}, &tg.InputMessageID{ID: 99}, &tg.InputMessageID{ID: -1},
			},
		})
		if err != nil {
			return err
		}
		msgs, ok := res.(*tg.MessagesChannelMessages)
		if !ok {
			return fmt.Errorf("result %T", res)
		}
		if len(msgs.Chats) != 1 || msgs.Chats[0].GetID() != DefaultChannelID {
			return fmt.Errorf("chats = %v, want the log channel", msgs.Chats)
		}
		if len(msgs.Messages) != 5 {
			return fmt.Errorf("%d messages, want 5", len(msgs.Messages))
		}

		m, ok := msgs.Messages[0].(*tg.Message)
		if !ok || m.ID != text || m.Message != "just text" || m.Media != nil || m.Date == 0 {
			return fmt.Errorf("text message = %+v", msgs.Messages[0])
		}
		if p, ok := m.PeerID.(*tg.PeerChannel); !ok || p.ChannelID != DefaultChannelID {
			return fmt.Errorf("peer = %v", m.PeerID)
		}

		m, ok = msgs.Messages[1].(*tg.Message)
		if !ok || m.Message != "code-1" {
			return fmt.Errorf("document message = %+v", msgs.Messages[1])
		}
		d := m.Media.(*tg.MessageMediaDocument).Document.(*tg.Document)
		if d.Size != 5000 || d.MimeType != "application/pdf" || d.DCID != srv.HomeDC() ||
			d.ID == 0 || d.AccessHash == 0 || len(d.FileReference) == 0 {
			return fmt.Errorf("document = %+v", d)
		}
		if name, _ := fileName(d); name != "report.pdf" {
			return fmt.Errorf("file name %q", name)
		}

		for i, want := range []int{gone, 99, -1} {
			e, ok := msgs.Messages[2+i].(*tg.MessageEmpty)
			if !ok || e.ID != want {
				return fmt.Errorf("message %d = %+v, want messageEmpty", want, msgs.Messages[2+i])
			}
		}

		// The access hash is required; ids are required.
		for _, bad := range []tg.InputChannelClass{
			&tg.InputChannel{ChannelID: DefaultChannelID},
			&tg.InputChannel{ChannelID: DefaultChannelID + 1, AccessHash: ch.AccessHash},
		} {
			_, err := api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{
				Channel: bad, ID: []tg.InputMessageClass{&tg.InputMessageID{ID: doc}},
			})
			if err := wantRPCError(err, 400, "CHANNEL_INVALID"); err != nil {
				return fmt.Errorf("channel %v: %w", bad, err)
			}
		}
		_, err = api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{Channel: ch})
		return wantRPCError(err, 400, "MESSAGE_IDS_EMPTY")
	})
}

func fileName(d *tg.Document) (string, bool) {
	for _, a := range d.Attributes {
		if f, ok := a.(*tg.DocumentAttributeFilename); ok {
			return f.FileName, true
		}
	}
	return "", false
}

// Every kind arrives with the attributes Telegram gives it.
func TestMediaKinds(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	content := Pattern(3, 3000)
	tests := []struct {
		media Media
		check func(media tg.MessageMediaClass) error
	}{
		{Media{Kind: KindDocument, Name: "a.zip", MIMEType: "application/zip", Content: content}, func(mm tg.MessageMediaClass) error {
			d := mm.(*tg.MessageMediaDocument).Document.(*tg.Document)
			if len(d.Attributes) != 1 {
				return fmt.Errorf("attributes %v", d.Attributes)
			}
			return nil
		}},
		{Media{Kind: KindVideo, Name: "v.mp4", MIMEType: "video/mp4", Content: content, Width: 320, Height: 180, Duration: 10}, func(mm tg.MessageMediaClass) error {
			md := mm.(*tg.MessageMediaDocument)
			v := attr[*tg.DocumentAttributeVideo](md)
			if !md.Video || v == nil || v.W != 320 || v.H != 180 || v.Duration != 10 || v.RoundMessage {
				return fmt.Errorf("video %+v %+v", md, v)
			}
			return nil
		}},
		{Media{Kind: KindVideoNote, MIMEType: "video/mp4", Content: content, Width: 240, Height: 240, Duration: 3}, func(mm tg.MessageMediaClass) error {
			md := mm.(*tg.MessageMediaDocument)
			v := attr[*tg.DocumentAttributeVideo](md)
			if !md.Round || v == nil || !v.RoundMessage || attr[*tg.DocumentAttributeFilename](md) != nil {
				return fmt.Errorf("video note %+v %+v", md, v)
			}
			return nil
		}},
		{Media{Kind: KindAudio, Name: "a.mp3", MIMEType: "audio/mpeg", Content: content, Duration: 4.6}, func(mm tg.MessageMediaClass) error {
			a := attr[*tg.DocumentAttributeAudio](mm.(*tg.MessageMediaDocument))
			if a == nil || a.Voice || a.Duration != 5 {
				return fmt.Errorf("audio %+v", a)
			}
			return nil
		}},
		{Media{Kind: KindVoice, MIMEType: "audio/ogg", Content: content, Duration: 2}, func(mm tg.MessageMediaClass) error {
			md := mm.(*tg.MessageMediaDocument)
			a := attr[*tg.DocumentAttributeAudio](md)
			if !md.Voice || a == nil || !a.Voice || attr[*tg.DocumentAttributeFilename](md) != nil {
				return fmt.Errorf("voice %+v %+v", md, a)
			}
			return nil
		}},
		{Media{Kind: KindSticker, Name: "sticker.webp", MIMEType: "image/webp", Content: content, Width: 512, Height: 512}, func(mm tg.MessageMediaClass) error {
			md := mm.(*tg.MessageMediaDocument)
			if attr[*tg.DocumentAttributeSticker](md) == nil || attr[*tg.DocumentAttributeImageSize](md) == nil {
				return fmt.Errorf("sticker %+v", md.Document)
			}
			return nil
		}},
		{Media{Kind: KindAnimation, Name: "a.mp4", MIMEType: "video/mp4", Content: content}, func(mm tg.MessageMediaClass) error {
			md := mm.(*tg.MessageMediaDocument)
			if attr[*tg.DocumentAttributeAnimated](md) == nil || attr[*tg.DocumentAttributeVideo](md) == nil {
				return fmt.Errorf("animation %+v", md.Document)
			}
			return nil
		}},
		{Media{Kind: KindPhoto, MIMEType: "image/jpeg", Content: content, Width: 800, Height: 600, DC: DefaultOtherDC}, func(mm tg.MessageMediaClass) error {
			p, ok := mm.(*tg.MessageMediaPhoto).Photo.(*tg.Photo)
			if !ok || p.DCID != DefaultOtherDC || len(p.FileReference) == 0 || len(p.Sizes) != 3 {
				return fmt.Errorf("photo %+v", mm)
			}
			if s, ok := p.Sizes[0].(*tg.PhotoStrippedSize); !ok || s.Type != "i" || len(s.Bytes) == 0 {
				return fmt.Errorf("first size %+v", p.Sizes[0])
			}
			if s, ok := p.Sizes[1].(*tg.PhotoSize); !ok || s.Type != "m" || s.Size <= 0 || s.W != 320 || s.H != 240 {
				return fmt.Errorf("second size %+v", p.Sizes[1])
			}
			s, ok := p.Sizes[2].(*tg.PhotoSizeProgressive)
			if !ok || s.Type != "y" || s.W != 800 || s.H != 600 || s.Sizes[len(s.Sizes)-1] != 3000 {
				return fmt.Errorf("largest size %+v", p.Sizes[2])
			}
			for i := 1; i < len(s.Sizes); i++ {
				if s.Sizes[i] <= s.Sizes[i-1] {
					return fmt.Errorf("progressive sizes not ascending: %v", s.Sizes)
				}
			}
			return nil
		}},
	}
	ids := make([]int, len(tests))
	for i, tt := range tests {
		ids[i] = srv.AddMessage(tt.media.Kind, &tt.media)
	}
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		ch, err := inputChannel(ctx, api, DefaultChannelID)
		if err != nil {
			return err
		}
		for i, tt := range tests {
			m, err := getMessage(ctx, api, ch, ids[i])
			if err != nil {
				return err
			}
			if err := tt.check(m.(*tg.Message).Media); err != nil {
				return fmt.Errorf("%s: %w", tt.media.Kind, err)
			}
		}
		return nil
	})
}

// attr finds the document attribute of type T.
func attr[T tg.DocumentAttributeClass](md *tg.MessageMediaDocument) T {
	var zero T
	for _, a := range md.Document.(*tg.Document).Attributes {
		if v, ok := a.(T); ok {
			return v
		}
	}
	return zero
}
