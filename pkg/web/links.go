package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
)

// The links of one log-channel message, as package links makes them (it
// owns their grammar). base is "scheme://host" ("" gives relative links);
// code is the message caption.

// DownloadURL is the file: base/dl/{id}?code={code}.
func DownloadURL(base string, id int, code string) string {
	return links.Download(base, id, links.Code(code))
}

// StreamURL is the seed bot's stream link, base/dl/{id}?code={code}=stream,
// which redirects to the player.
func StreamURL(base string, id int, code string) string {
	return links.Stream(base, id, links.Code(code))
}

// PlayerURL is the player page: base/stream/{id}?code={code}.
func PlayerURL(base string, id int, code string) string {
	return links.Player(base, id, links.Code(code))
}

// ParseLink reads the message id and code of a caption link (any of the
// three forms, any base). ok is false for anything else.
func ParseLink(link string) (id int, code string, ok bool) {
	id, g, ok := links.Parse(link)
	return id, g.Code, ok
}

// BaseURL is configured (a PUBLIC_BASE_URL or the platform's) when it is
// set, else the base derived from r (validated X-Forwarded-Proto,
// X-Forwarded-Host, Host), else "".
func BaseURL(configured string, r *http.Request) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	return baseURLFromRequest(r)
}

// FileName is the name a download of f gets and pages show: the one
// package stream decided (NewFile: Telegram's, else "voice_42.ogg" and the
// like), cleaned of control and format characters and slashes.
func FileName(f *stream.File) string { return fileName(f) }

// fileCacheControl is the Cache-Control of a file served for g: the usual
// one, and for a signed link no longer than the link has left (a cache
// must not serve it past its expiry).
func (s *server) fileCacheControl(g links.Grant) string {
	if !g.Signed() || s.signer == nil {
		return fileCacheControl
	}
	left := int64(g.ExpiresAt().Sub(s.signer.Now()) / time.Second)
	if left >= fileMaxAge {
		return fileCacheControl
	}
	return "public, max-age=" + strconv.FormatInt(max(left, 0), 10)
}

// fileMaxAge is fileCacheControl's max-age in seconds (a test holds them
// equal).
const fileMaxAge = 3600
