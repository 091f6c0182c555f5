package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
)

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
