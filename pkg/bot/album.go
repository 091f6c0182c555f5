package bot

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/filetolink/filetolink/pkg/stream"
)

// Albums. The Bot API delivers each message of a media group (album) as an
// update of its own, with no way to ask for the others. So the bot keeps
// a note of every album message it sees (AlbumMember, under chat and
// message id); /link in reply to any of them answers once with the links
// of every member it noted. An album sent to the bot in a private chat is
// answered once, by its first message (the one with no noted member
// before it), which says so; the others are only noted. Nothing waits
// for a quiet period, so it works the same on serverless platforms, and
// the files are copied only when their links are asked for (one copy per
// file, as single links).

// MaxAlbum is the most files of one batch answer: Telegram's own bound on
// an album (10).
const MaxAlbum = 10

// AlbumMember is the note of one album message.
type AlbumMember struct {
	GroupID string      `json:"group"`
	Kind    stream.Kind `json:"kind"`
	File    File        `json:"file"`
}

// AlbumStore is a Store that also keeps album notes across instances;
// without it the bot keeps them per process.
type AlbumStore interface {
	PutAlbumMember(ctx context.Context, chatID int64, messageID int, m AlbumMember) error
	AlbumMember(ctx context.Context, chatID int64, messageID int) (AlbumMember, bool, error)
}

// albumKey names a note in a Memory or shared store.
func albumKey(chatID int64, messageID int) string {
	return "album:" + strconv.FormatInt(chatID, 10) + ":" + strconv.Itoa(messageID)
}

// PutAlbumMember implements AlbumStore.
func (m *Memory) PutAlbumMember(_ context.Context, chatID int64, messageID int, a AlbumMember) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := albumKey(chatID, messageID)
	if _, ok := m.albums[key]; !ok {
		if old, full := m.albumKeys.push(key); full {
			delete(m.albums, old)
		}
	}
	m.albums[key] = data
	return nil
}

// AlbumMember implements AlbumStore.
func (m *Memory) AlbumMember(_ context.Context, chatID int64, messageID int) (AlbumMember, bool, error) {
	m.mu.Lock()
	data, ok := m.albums[albumKey(chatID, messageID)]
	m.mu.Unlock()
	var a AlbumMember
	if !ok || json.Unmarshal(data, &a) != nil {
		return AlbumMember{}, false, nil
	}
	return a, true, nil
}

// albums is the store of album notes: the Store's when it keeps them.
func (b *Bot) albums() AlbumStore {
	if s, ok := b.store.(AlbumStore); ok {
		return s
	}
	return b.localAlbums
}

// noteAlbum notes m if it is an album message with a file.
func (b *Bot) noteAlbum(ctx context.Context, m *Message) {
	md, ok := mediaOf(m)
	if !ok || m.MediaGroupID == "" {
		return
	}
	if err := b.albums().PutAlbumMember(ctx, m.Chat.ID, m.MessageID, AlbumMember{GroupID: m.MediaGroupID, Kind: md.kind, File: md.file}); err != nil {
		b.log.Warn("bot: album store", "err", err)
	}
}

// albumMessage is one member of an album: its message id and file.
type albumMessage struct {
	id int
	md media
}

// album is the noted members of m's album around m (album messages have
// consecutive ids), m's own first when it is not noted, in message order,
// at most MaxAlbum.
func (b *Bot) album(ctx context.Context, m *Message) []albumMessage {
	var out []albumMessage
	for id := m.MessageID - (MaxAlbum - 1); id <= m.MessageID+(MaxAlbum-1) && len(out) < MaxAlbum; id++ {
		if id <= 0 {
			continue
		}
		if id == m.MessageID {
			if md, ok := mediaOf(m); ok {
				out = append(out, albumMessage{id, md})
			}
			continue
		}
		a, ok, err := b.albums().AlbumMember(ctx, m.Chat.ID, id)
		if err != nil {
			b.log.Warn("bot: album store", "err", err)
			continue
		}
		if ok && a.GroupID == m.MediaGroupID {
			out = append(out, albumMessage{id, media{kind: a.Kind, file: a.File}})
		}
	}
	return out
}

// firstOfAlbum reports whether no member of m's album before m is noted.
func (b *Bot) firstOfAlbum(ctx context.Context, m *Message) bool {
	for _, a := range b.album(ctx, m) {
		if a.id < m.MessageID {
			return false
		}
	}
	return true
}
