package stream

import (
	"mime"
	"path"
	"strconv"
	"strings"
)

// The name and media type of a File are decided here, once, when the File
// is made (NewFile); the HTTP layer only sanitises them for its headers.

// byKind is the media type of a file that has neither a valid MIME type
// nor a known extension: what Telegram's clients make of that kind.
var byKind = map[Kind]string{
	KindPhoto:     "image/jpeg",
	KindVoice:     "audio/ogg",
	KindVideoNote: "video/mp4",
	KindAnimation: "video/mp4",
	KindVideo:     "video/mp4",
	KindSticker:   "image/webp",
}

// MediaTypeOf is the media type of a file: Telegram's MIME type when it is
// a valid media type (formatted anew) that says something, else the type of
// the name's extension, else the one its kind implies, else
// application/octet-stream. (Telegram fills in application/octet-stream
// when the sender gave no type: that says nothing.)
func MediaTypeOf(mimeType, name string, kind Kind) string {
	if t, ok := ValidMediaType(mimeType); ok && t != "application/octet-stream" {
		return t
	}
	if ext := path.Ext(name); ext != "" {
		if t, ok := ValidMediaType(TypeByExtension(ext)); ok {
			return t
		}
	}
	if t, ok := byKind[kind]; ok {
		return t
	}
	return "application/octet-stream"
}

// DefaultName is the stable name of a nameless file, made from the message,
// never from the clock: "voice_42.ogg", "photo_3.jpg", "document_7.bin".
func DefaultName(kind Kind, messageID int, mediaType string) string {
	ext := ExtensionByType(mediaType)
	if ext == "" {
		ext = ".bin"
	}
	if kind == "" {
		kind = KindDocument
	}
	return string(kind) + "_" + strconv.Itoa(messageID) + ext
}

// settle decides f's media type and name (none for media that is not
// served).
func (f *File) settle() {
	if f.Kind == KindUnsupported {
		return
	}
	f.MIMEType = MediaTypeOf(f.MIMEType, f.Name, f.Kind)
	if strings.TrimSpace(f.Name) == "" {
		f.Name = DefaultName(f.Kind, f.MessageID, f.MIMEType)
	}
}

// ValidMediaType validates s as a media type and formats it anew, so that
// nothing in it can break a header.
func ValidMediaType(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	t, params, err := mime.ParseMediaType(s)
	if err != nil || !strings.Contains(t, "/") {
		return "", false
	}
	out := mime.FormatMediaType(t, params)
	return out, out != ""
}
