package bot

import (
	"encoding/json"

	"github.com/filetolink/filetolink/pkg/stream"
)

// The parts of the Bot API's types (core.telegram.org/bots/api) the bot
// reads. Unknown fields are ignored.

// Update is one incoming update: a message, or a post in a channel the bot
// is an admin of.
type Update struct {
	UpdateID    int64    `json:"update_id"`
	Message     *Message `json:"message,omitempty"`
	ChannelPost *Message `json:"channel_post,omitempty"`
}

// User is a Telegram user or bot.
type User struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name,omitempty"`
	Username  string `json:"username,omitempty"`
}

// Chat is where a message was sent.
type Chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"` // private, group, supergroup, channel
}

// Message is a message with the fields the bot reads.
type Message struct {
	MessageID   int                   `json:"message_id"`
	From        *User                 `json:"from,omitempty"`
	Chat        Chat                  `json:"chat"`
	Date        int64                 `json:"date"`
	Text        string                `json:"text,omitempty"`
	Caption     string                `json:"caption,omitempty"`
	Entities    []MessageEntity       `json:"entities,omitempty"`
	ReplyTo     *Message              `json:"reply_to_message,omitempty"`
	ReplyMarkup *InlineKeyboardMarkup `json:"reply_markup,omitempty"`
	// MediaGroupID is set on each message of an album.
	MediaGroupID string `json:"media_group_id,omitempty"`

	Document  *File  `json:"document,omitempty"`
	Video     *File  `json:"video,omitempty"`
	Audio     *File  `json:"audio,omitempty"`
	Voice     *File  `json:"voice,omitempty"`
	VideoNote *File  `json:"video_note,omitempty"`
	Animation *File  `json:"animation,omitempty"`
	Photo     []File `json:"photo,omitempty"` // sizes, smallest first
	Sticker   *File  `json:"sticker,omitempty"`
}

// File is any of the Bot API's file objects (Document, Video, Audio, Voice,
// VideoNote, Animation, PhotoSize, Sticker): their common fields.
type File struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int64  `json:"file_size,omitempty"`
	FileName     string `json:"file_name,omitempty"`
	MIMEType     string `json:"mime_type,omitempty"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
	IsAnimated   bool   `json:"is_animated,omitempty"` // stickers: .tgs
	IsVideo      bool   `json:"is_video,omitempty"`    // stickers: .webm
}

// MessageEntity marks a part of a message's text (a link, a command).
type MessageEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
	URL    string `json:"url,omitempty"`
}

// InlineKeyboardMarkup is a message's buttons, row by row.
type InlineKeyboardMarkup struct {
	InlineKeyboard [][]InlineKeyboardButton `json:"inline_keyboard"`
}

// InlineKeyboardButton is a link button.
type InlineKeyboardButton struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
}

// Call is a Bot API method call: the bot's answer to an update. A webhook
// returns it as its response body ({"method": ..., params...}); the poller
// sends it.
type Call struct {
	Method string
	Params map[string]any
}

// MarshalJSON writes the webhook-reply form: the parameters with "method".
func (c Call) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(c.Params)+1)
	for k, v := range c.Params {
		m[k] = v
	}
	m["method"] = c.Method
	return json.Marshal(m)
}

// media is the file a message carries and its kind in the stream core's
// terms.
type media struct {
	kind stream.Kind
	file File
}

// mediaOf finds the file of m. Animations also come with a document, so
// they are looked at first; of a photo's sizes the largest is taken, as the
// server serves.
func mediaOf(m *Message) (media, bool) {
	if m == nil {
		return media{}, false
	}
	for _, c := range []struct {
		kind stream.Kind
		f    *File
	}{
		{stream.KindAnimation, m.Animation},
		{stream.KindVideo, m.Video},
		{stream.KindVideoNote, m.VideoNote},
		{stream.KindAudio, m.Audio},
		{stream.KindVoice, m.Voice},
		{stream.KindSticker, m.Sticker},
		{stream.KindDocument, m.Document},
	} {
		if c.f != nil && c.f.FileUniqueID != "" {
			f := *c.f
			if c.kind == stream.KindSticker && f.MIMEType == "" {
				f.MIMEType = stickerType(f)
			}
			return media{kind: c.kind, file: f}, true
		}
	}
	if len(m.Photo) > 0 {
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height >= best.Width*best.Height {
				best = p
			}
		}
		if best.FileUniqueID != "" {
			best.MIMEType = "image/jpeg"
			return media{kind: stream.KindPhoto, file: best}, true
		}
	}
	return media{}, false
}

// stickerType is the media type of a sticker's file, which the Bot API
// does not name.
func stickerType(f File) string {
	switch {
	case f.IsAnimated:
		return "application/x-tgsticker"
	case f.IsVideo:
		return "video/webm"
	}
	return "image/webp"
}

// playable kinds get a Stream button: the player page plays them.
func playable(k stream.Kind) bool {
	switch k {
	case stream.KindVideo, stream.KindVideoNote, stream.KindAnimation, stream.KindAudio, stream.KindVoice:
		return true
	}
	return false
}
