package tgfake

import (
	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

var (
	errChannelInvalid    = tgerr.New(400, "CHANNEL_INVALID")
	errChannelPrivate    = tgerr.New(400, "CHANNEL_PRIVATE")
	errMessageIDsEmpty   = tgerr.New(400, "MESSAGE_IDS_EMPTY")
	errMessageIDsTooMany = tgerr.New(400, "LIMIT_INVALID")
)

// maxMessageIDs is how many ids channels.getMessages takes at once.
const maxMessageIDs = 100

// channel is the log channel as bot b sees it (its own access hash).
func (s *Server) channel(b *bot) *tg.Channel {
	return &tg.Channel{
		Broadcast:  true,
		ID:         s.opts.ChannelID,
		AccessHash: b.hashFor(s.channelAccessHash),
		Title:      "FileToLink log channel",
		Photo:      &tg.ChatPhotoEmpty{},
		Date:       int(dateBase.Unix()),
	}
}

// channelFrom checks in names the log channel. A bot may pass access hash 0
// for a channel it is a member of (the way it first learns the hash); other
// calls need the real one, the one bot b was given. A bot outside the
// channel gets CHANNEL_PRIVATE.
func (s *Server) channelFrom(b *bot, in tg.InputChannelClass, allowZeroHash bool) error {
	c, ok := in.(*tg.InputChannel)
	if !ok || c.ChannelID != s.opts.ChannelID {
		return errChannelInvalid
	}
	s.mu.Lock()
	outside := b.notInChannel
	s.mu.Unlock()
	if outside {
		return errChannelPrivate
	}
	if c.AccessHash != b.hashFor(s.channelAccessHash) && !(allowZeroHash && c.AccessHash == 0) {
		return errChannelInvalid
	}
	return nil
}

func (s *Server) channelsGetChannels(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.ChannelsGetChannelsRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	if len(r.ID) == 0 {
		return nil, errChannelInvalid
	}
	b := s.botOf(req)
	var chats []tg.ChatClass
	for _, in := range r.ID {
		if err := s.channelFrom(b, in, true); err != nil {
			return nil, err
		}
		chats = append(chats, s.channel(b))
	}
	return &tg.MessagesChats{Chats: chats}, nil
}

func (s *Server) channelsGetMessages(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.ChannelsGetMessagesRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	b := s.botOf(req)
	if err := s.channelFrom(b, r.Channel, false); err != nil {
		return nil, err
	}
	switch {
	case len(r.ID) == 0:
		return nil, errMessageIDsEmpty
	case len(r.ID) > maxMessageIDs:
		return nil, errMessageIDsTooMany
	}

	peer := &tg.PeerChannel{ChannelID: s.opts.ChannelID}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &tg.MessagesChannelMessages{
		Pts:   len(s.messages) + 1,
		Count: len(s.messages),
		Chats: []tg.ChatClass{s.channel(b)},
	}
	for _, in := range r.ID {
		id := 0
		if m, ok := in.(*tg.InputMessageID); ok {
			id = m.ID
		}
		m := s.messageLocked(id)
		if m == nil {
			out.Messages = append(out.Messages, &tg.MessageEmpty{ID: id})
			continue
		}
		msg := &tg.Message{
			Post:    true,
			ID:      m.id,
			PeerID:  peer,
			Date:    int(m.date.Unix()),
			Message: m.caption,
		}
		if m.file != nil {
			msg.Media = m.file.tgMedia(m.date, s.refGen, b.hashFor(m.file.accessHash))
		}
		out.Messages = append(out.Messages, msg)
	}
	return out, nil
}
