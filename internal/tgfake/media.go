package tgfake

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gotd/td/tg"
)

// Media kinds accepted in Media.Kind.
const (
	KindDocument  = "document"
	KindVideo     = "video"
	KindAudio     = "audio"
	KindVoice     = "voice"
	KindVideoNote = "video_note"
	KindPhoto     = "photo"
	KindSticker   = "sticker"
	KindAnimation = "animation"
)

// Media is what a log-channel message holds, described the way a test thinks
// of it; the Server turns it into the objects Telegram sends.
type Media struct {
	Kind     string // one of the Kind constants
	Name     string // DocumentAttributeFilename ("" = none, e.g. voice, video note)
	MIMEType string
	Content  Content
	DC       int // 0 = HomeDC
	Width    int
	Height   int
	Duration float64 // seconds; for video/audio attributes
	// Thumb is a document's thumbnail (JPEG bytes), served as its "m"
	// thumb size; nil: none. Photos always have their own small size.
	Thumb Content
}

// dateBase is the date of message 0; message n is dated n minutes later, so
// dates (and with them Last-Modified) are the same on every run.
var dateBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// message is one post in the log channel.
type message struct {
	id      int
	caption string
	date    time.Time
	deleted bool
	file    *file // nil: text-only message
}

// file is a stored document or photo.
type file struct {
	msgID      int
	media      Media
	id         int64
	accessHash int64
	// small is the photo's "m" size (photos only).
	small Content
	// stripped is the photo's inline "i" size (photos only).
	stripped []byte
}

func (f *file) isPhoto() bool { return f.media.Kind == KindPhoto }

// Photo size types, smallest to largest.
const (
	photoStripped = "i"
	photoSmall    = "m"
	photoLargest  = "y"
	// docThumb is the thumb size type of a document's Media.Thumb.
	docThumb = "m"
)

// fileReference is the opaque file_reference for generation gen: a tag, the
// file id and the generation. Telegram's are opaque too; ours let the server
// tell a stale reference (an older generation) from a forged one.
func fileReference(id int64, gen uint32) []byte {
	b := make([]byte, 13)
	b[0] = 0x02
	binary.LittleEndian.PutUint64(b[1:], uint64(id))
	binary.LittleEndian.PutUint32(b[9:], gen)
	return b
}

// referenceState tells how ref relates to file id at generation current.
type referenceState int

const (
	referenceCurrent referenceState = iota
	referenceStale
	referenceInvalid
)

func checkReference(ref []byte, id int64, current uint32) referenceState {
	if len(ref) != 13 || ref[0] != 0x02 || int64(binary.LittleEndian.Uint64(ref[1:])) != id {
		return referenceInvalid
	}
	switch gen := binary.LittleEndian.Uint32(ref[9:]); {
	case gen == current:
		return referenceCurrent
	case gen < current:
		return referenceStale
	default:
		return referenceInvalid
	}
}

func validKind(k string) bool {
	switch k {
	case KindDocument, KindVideo, KindAudio, KindVoice, KindVideoNote,
		KindPhoto, KindSticker, KindAnimation:
		return true
	}
	return false
}

// newFile derives ids and extra sizes for m, stored in message msgID.
func (s *Server) newFile(msgID int, m *Media) *file {
	if !validKind(m.Kind) {
		panic(fmt.Sprintf("tgfake: unknown media kind %q", m.Kind))
	}
	if m.Content == nil {
		panic("tgfake: media without Content")
	}
	mc := *m
	if mc.MIMEType == "" {
		// Telegram always names a type.
		mc.MIMEType = "application/octet-stream"
		if mc.Kind == KindPhoto {
			mc.MIMEType = "image/jpeg"
		}
	}
	if mc.DC == 0 {
		mc.DC = s.opts.HomeDC
	}
	if mc.DC != s.opts.HomeDC && mc.DC != s.opts.OtherDC {
		panic(fmt.Sprintf("tgfake: media on DC %d: the fake has DCs %d and %d", mc.DC, s.opts.HomeDC, s.opts.OtherDC))
	}
	seed := mix64(uint64(s.opts.ChannelID)<<20 ^ uint64(msgID))
	f := &file{
		msgID:      msgID,
		media:      mc,
		id:         int64(seed >> 1),
		accessHash: int64(mix64(seed) >> 1),
	}
	if f.isPhoto() {
		if mc.Width == 0 || mc.Height == 0 {
			f.media.Width, f.media.Height = 1280, 720
		}
		small := mc.Content.Size() / 16
		if small > 16<<10 {
			small = 16 << 10
		}
		f.small = Pattern(seed^1, small)
		// A stripped size is a tiny inline JPEG body; any fixed bytes will do.
		f.stripped = []byte{0x01, 0x28, 0x17}
		f.stripped = binary.LittleEndian.AppendUint64(f.stripped, seed)
	}
	return f
}

// content returns the bytes of the given size type ("" for documents).
func (f *file) content(thumb string) (Content, bool) {
	if !f.isPhoto() {
		if thumb == docThumb && f.media.Thumb != nil {
			return f.media.Thumb, true
		}
		return f.media.Content, thumb == ""
	}
	switch thumb {
	case photoLargest:
		return f.media.Content, true
	case photoSmall:
		return f.small, true
	}
	return nil, false
}

// tgMedia renders f as Telegram sends it inside a message, with the access
// hash the reading bot sees.
func (f *file) tgMedia(date time.Time, refGen uint32, accessHash int64) tg.MessageMediaClass {
	m := f.media
	ref := fileReference(f.id, refGen)
	if f.isPhoto() {
		return &tg.MessageMediaPhoto{Photo: &tg.Photo{
			ID:            f.id,
			AccessHash:    accessHash,
			FileReference: ref,
			Date:          int(date.Unix()),
			DCID:          m.DC,
			Sizes:         f.photoSizes(),
		}}
	}
	doc := &tg.Document{
		ID:            f.id,
		AccessHash:    accessHash,
		FileReference: ref,
		Date:          int(date.Unix()),
		MimeType:      m.MIMEType,
		Size:          m.Content.Size(),
		DCID:          m.DC,
	}
	if m.Thumb != nil {
		doc.Thumbs = []tg.PhotoSizeClass{
			&tg.PhotoStrippedSize{Type: photoStripped, Bytes: []byte{0x01, 0x28, 0x17}},
			&tg.PhotoSize{Type: docThumb, W: 320, H: 180, Size: int(m.Thumb.Size())},
		}
	}
	media := &tg.MessageMediaDocument{Document: doc}
	video := &tg.DocumentAttributeVideo{
		Duration:          m.Duration,
		W:                 m.Width,
		H:                 m.Height,
		SupportsStreaming: true,
	}
	audio := &tg.DocumentAttributeAudio{Duration: int(m.Duration + 0.5)}
	switch m.Kind {
	case KindVideo:
		media.Video = true
		doc.Attributes = append(doc.Attributes, video)
	case KindVideoNote:
		media.Round = true
		video.RoundMessage = true
		doc.Attributes = append(doc.Attributes, video)
	case KindAudio:
		doc.Attributes = append(doc.Attributes, audio)
	case KindVoice:
		media.Voice = true
		audio.Voice = true
		audio.Waveform = []byte{0, 8, 16, 8, 0}
		doc.Attributes = append(doc.Attributes, audio)
	case KindSticker:
		doc.Attributes = append(doc.Attributes,
			&tg.DocumentAttributeImageSize{W: m.Width, H: m.Height},
			&tg.DocumentAttributeSticker{Alt: "🙂", Stickerset: &tg.InputStickerSetEmpty{}},
		)
	case KindAnimation:
		doc.Attributes = append(doc.Attributes, &tg.DocumentAttributeAnimated{}, video)
	}
	if m.Name != "" {
		doc.Attributes = append(doc.Attributes, &tg.DocumentAttributeFilename{FileName: m.Name})
	}
	return media
}

// photoSizes lists the sizes of a photo as Telegram does: stripped, a small
// plain size, then the progressive full size whose Sizes ascend to the
// Content's length.
func (f *file) photoSizes() []tg.PhotoSizeClass {
	m := f.media
	full := int(m.Content.Size())
	var steps []int
	for _, d := range []int{8, 4, 2, 1} {
		if v := full / d; v > 0 && (len(steps) == 0 || v > steps[len(steps)-1]) {
			steps = append(steps, v)
		}
	}
	if len(steps) == 0 {
		steps = []int{0}
	}
	sw, sh := m.Width, m.Height
	if sw > 320 {
		sw, sh = 320, m.Height*320/m.Width
	}
	return []tg.PhotoSizeClass{
		&tg.PhotoStrippedSize{Type: photoStripped, Bytes: f.stripped},
		&tg.PhotoSize{Type: photoSmall, W: sw, H: sh, Size: int(f.small.Size())},
		&tg.PhotoSizeProgressive{Type: photoLargest, W: m.Width, H: m.Height, Sizes: steps},
	}
}

// storageType is the upload.file type Telegram reports for a MIME type.
func storageType(mime string) tg.StorageFileTypeClass {
	switch mime {
	case "image/jpeg":
		return &tg.StorageFileJpeg{}
	case "image/png":
		return &tg.StorageFilePng{}
	case "image/gif":
		return &tg.StorageFileGif{}
	case "image/webp":
		return &tg.StorageFileWebp{}
	case "application/pdf":
		return &tg.StorageFilePdf{}
	case "audio/mpeg":
		return &tg.StorageFileMp3{}
	case "video/mp4":
		return &tg.StorageFileMp4{}
	case "video/quicktime":
		return &tg.StorageFileMov{}
	}
	return &tg.StorageFileUnknown{}
}
