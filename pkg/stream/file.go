// Package stream turns "bytes first..last of the file in log-channel message N"
// into aligned, parallel, cancellable upload.getFile calls. It knows Telegram
// and bytes, nothing of HTTP.
package stream

import (
	"time"

	"github.com/gotd/td/tg"
)

// Kind is what sort of media a message holds.
type Kind string

// Media kinds a log-channel message can hold.
const (
	KindDocument  Kind = "document"
	KindVideo     Kind = "video"
	KindAudio     Kind = "audio"
	KindVoice     Kind = "voice"
	KindVideoNote Kind = "video_note"
	KindPhoto     Kind = "photo"
	KindSticker   Kind = "sticker"
	KindAnimation Kind = "animation"
	// KindUnsupported is media this service cannot serve (paid media,
	// stories). Such a File has a caption, so callers can check the code
	// before saying so, but Open refuses it with ErrUnsupportedMedia.
	KindUnsupported Kind = "unsupported"
)

// File describes the downloadable media of one log-channel message.
// Everything callers need is exported; where Telegram keeps the bytes is not.
type File struct {
	MessageID int
	// Caption is the message's caption: the code that unlocks the links.
	Caption string
	// Name is the file's name, or a stable one made for nameless media
	// (DefaultName). It is as Telegram has it: a consumer cleans it for
	// its output (headers, pages).
	Name string
	Size int64
	// MIMEType is the decided media type (MediaTypeOf), never empty.
	MIMEType string
	Kind     Kind
	// DC is the datacenter that stores the bytes.
	DC   int
	Date time.Time
	// Version identifies these exact bytes (media id and size); it is stable
	// for the life of the document and suits a strong ETag.
	Version string
	// Width, Height and Duration are known for photos, videos and audio.
	Width, Height int
	Duration      time.Duration

	location tg.InputFileLocationClass
	// thumbType and thumbSize are Telegram's thumbnail of the media: its
	// size type and length ("" and 0: none).
	thumbType string
	thumbSize int64
}

// NewFile returns a File whose bytes live at loc, with its media type and
// name decided (MediaTypeOf, DefaultName). Used by resolvers and by tests
// that build files by hand.
func NewFile(f File, loc tg.InputFileLocationClass) *File {
	f.location = loc
	f.settle()
	return &f
}

// Location is where Telegram keeps the bytes.
func (f *File) Location() tg.InputFileLocationClass { return f.location }
