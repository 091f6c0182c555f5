package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/filetolink/filetolink/pkg/stream"
)

// The links of one log-channel message: the grammar of the routes this
// package serves, decided here only. base is "scheme://host" ("" gives
// relative links); code is the message caption, query-escaped.

// DownloadURL is the file: base/dl/{id}?code={code}.
func DownloadURL(base string, id int, code string) string {
	return base + "/dl/" + strconv.Itoa(id) + "?code=" + url.QueryEscape(code)
}

// StreamURL is the seed bot's stream link, base/dl/{id}?code={code}=stream,
// which redirects to the player.
func StreamURL(base string, id int, code string) string {
	return DownloadURL(base, id, code) + streamSuffix
}

// PlayerURL is the player page: base/stream/{id}?code={code}.
func PlayerURL(base string, id int, code string) string {
	return base + "/stream/" + strconv.Itoa(id) + "?code=" + url.QueryEscape(code)
}

// ParseLink reads the message id and code of a link this package made (any
// of the three forms, any base). ok is false for anything else.
func ParseLink(link string) (id int, code string, ok bool) {
	u, err := url.Parse(link)
	if err != nil {
		return 0, "", false
	}
	rest, isDL := strings.CutPrefix(u.EscapedPath(), "/dl/")
	if !isDL {
		if rest, ok = strings.CutPrefix(u.EscapedPath(), "/stream/"); !ok {
			return 0, "", false
		}
	}
	id, herr := checkMessageID(rest)
	if herr != nil {
		return 0, "", false
	}
	code = codeFromQuery(u.RawQuery)
	if isDL {
		code = strings.TrimSuffix(code, streamSuffix)
	}
	return id, code, code != ""
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
