package stream

import (
	"mime"
	"strings"
)

// mediaTypes are the types of the extensions of media Telegram holds, the
// first of each type its preferred extension. They are looked up before the
// system's tables, which differ between machines (and may be missing from a
// container image).
var mediaTypes = []struct{ ext, typ string }{
	{".mp4", "video/mp4"}, {".m4v", "video/mp4"}, {".webm", "video/webm"},
	{".mkv", "video/x-matroska"}, {".mov", "video/quicktime"},
	{".mp3", "audio/mpeg"}, {".m4a", "audio/mp4"}, {".m4a", "audio/x-m4a"},
	{".ogg", "audio/ogg"}, {".oga", "audio/ogg"}, {".opus", "audio/ogg"},
	{".aac", "audio/aac"}, {".flac", "audio/flac"}, {".wav", "audio/wav"},
	{".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".png", "image/png"},
	{".gif", "image/gif"}, {".webp", "image/webp"},
	{".tgs", "application/x-tgsticker"}, {".pdf", "application/pdf"},
	{".zip", "application/zip"}, {".txt", "text/plain; charset=utf-8"},
	{".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
	{".json", "application/json"}, {".csv", "text/csv; charset=utf-8"},
	{".svg", "image/svg+xml"}, {".apk", "application/vnd.android.package-archive"},
	{".epub", "application/epub+zip"}, {".7z", "application/x-7z-compressed"},
	{".rar", "application/vnd.rar"}, {".gz", "application/gzip"}, {".tar", "application/x-tar"},
}

// TypeByExtension is the media type of a file extension such as ".mp4"
// ("" if unknown).
func TypeByExtension(ext string) string {
	ext = strings.ToLower(ext)
	for _, m := range mediaTypes {
		if m.ext == ext {
			return m.typ
		}
	}
	return mime.TypeByExtension(ext)
}

// ExtensionByType is the preferred extension of a media type ("" if
// unknown, and for application/octet-stream).
func ExtensionByType(typ string) string {
	typ, _, _ = strings.Cut(typ, ";")
	typ = strings.ToLower(strings.TrimSpace(typ))
	for _, m := range mediaTypes {
		if t, _, _ := strings.Cut(m.typ, ";"); t == typ {
			return m.ext
		}
	}
	if typ == "application/octet-stream" {
		return ""
	}
	// The system's list is sorted, so its first may be odd (".ehtml"
	// before ".html"): prefer the one named after the subtype.
	exts, _ := mime.ExtensionsByType(typ)
	_, sub, _ := strings.Cut(typ, "/")
	for _, e := range exts {
		if e == "."+sub {
			return e
		}
	}
	if len(exts) > 0 {
		return exts[0]
	}
	return ""
}
