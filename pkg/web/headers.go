package web

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/filetolink/filetolink/pkg/stream"
)

// fileCacheControl lets browsers and CDNs keep a file (or one slice of it,
// keyed by URL and Range) for an hour. A message's bytes never change, but
// editing its caption revokes the old links: an hour bounds how long a CDN
// may still serve them.
const fileCacheControl = "public, max-age=3600"

// fileCSP keeps a file that a browser renders anyway (say, an HTML
// document opened from a download list) from running anything.
const fileCSP = "sandbox; default-src 'none'"

// contentType is f's Content-Type: the media type package stream decided,
// formatted anew so that nothing in it can break the header.
func contentType(f *stream.File) string {
	if t, ok := stream.ValidMediaType(f.MIMEType); ok {
		return t
	}
	return "application/octet-stream"
}

// mediaFor is what the player shows f as: "video", "audio", "image" or ""
// (download only).
func mediaFor(f *stream.File) string {
	switch major, _, _ := strings.Cut(contentType(f), "/"); major {
	case "video", "audio", "image":
		return major
	}
	return ""
}

// fileName is the name f is saved under and shown as: the one package
// stream decided, cleaned for headers and pages (cleanName).
func fileName(f *stream.File) string {
	return cleanName(f.Name)
}

// maxNameBytes bounds the name in Content-Disposition; Telegram allows
// longer names than file systems do.
const maxNameBytes = 255

// contentDisposition is an attachment header for name (RFC 6266): an ASCII
// filename= for old clients, with every character that could end the
// quoted string or the header replaced, and filename*= in UTF-8 with
// RFC 8187 percent-encoding.
func contentDisposition(name string) string {
	name = cleanName(name) // idempotent
	return `attachment; filename="` + asciiName(name) + `"; filename*=UTF-8''` + encodeRFC8187(name)
}

// cleanName makes name valid UTF-8 without control or format characters
// and at most maxNameBytes long (cut at a rune boundary).
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if len(name) > maxNameBytes {
		cut := maxNameBytes
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	if strings.Trim(name, ". _") == "" {
		return "file"
	}
	return name
}

// asciiName is name with every byte outside printable ASCII, and the
// quote, backslash and percent sign, replaced by '_'.
func asciiName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// encodeRFC8187 percent-encodes every byte of s that is not an attr-char.
func encodeRFC8187(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// isAttrChar reports whether c is an RFC 8187 attr-char.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// etagFor is the strong ETag of a File version: the version itself when it
// is made of etagc characters, else a digest of it. "" when unknown.
func etagFor(version string) string {
	if version == "" {
		return ""
	}
	for i := 0; i < len(version); i++ {
		if c := version[i]; c <= 0x20 || c == '"' || c >= 0x7f {
			sum := sha256.Sum256([]byte(version))
			return `"` + hex.EncodeToString(sum[:16]) + `"`
		}
	}
	return `"` + version + `"`
}
