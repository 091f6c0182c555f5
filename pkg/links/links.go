// Package links owns the links of log-channel messages: their grammar
// (/dl/{id}?code=C, the Python bot's /dl/{id}?code=C=stream, the player's
// /stream/{id}?code=C), how they are made and parsed, and the check that a
// link's code unlocks a message. It knows no HTTP handler and no Telegram:
// pkg/web maps its errors to statuses, pkg/bot and cmd/server print its
// links.
package links

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// StreamSuffix is what the Python bot of Smart Web Stream API
// (docs/bot.md) appends to a code to ask for the player page:
// /dl/{id}?code={caption}=stream.
const StreamSuffix = "=stream"

// Route prefixes of the two link paths.
const (
	DownloadPrefix = "/dl/"
	PlayerPrefix   = "/stream/"
	ThumbPrefix    = "/thumb/"
)

// Errors of parsing and checking a link. pkg/web maps them to statuses.
var (
	// ErrBadID: the {id} segment is not a positive 32-bit integer.
	ErrBadID = errors.New("invalid message id: want a positive 32-bit integer")
	// ErrNoCode: the link carries no code.
	ErrNoCode = errors.New("missing code")
	// ErrWrongCode: the code does not unlock the message.
	ErrWrongCode = errors.New("wrong code")
)

// ParseID parses the {id} path segment: a positive 32-bit integer in plain
// ASCII digits (no sign, no spaces, at most 10 digits).
func ParseID(s string) (int, error) {
	if s == "" || len(s) > 10 {
		return 0, ErrBadID
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ErrBadID
		}
		n = n*10 + int64(c-'0')
	}
	if n < 1 || n > math.MaxInt32 {
		return 0, ErrBadID
	}
	return int(n), nil
}

// Grant is what a link's query carries to unlock its message: the
// message's caption as the code (a caption link), or an expiry and a
// signature (a signed link, see Signer).
type Grant struct {
	// Code is the caption a caption link was made with ("" for none).
	Code string
	// Expires (Unix seconds) and Sig are a signed link's; zero for a
	// caption link.
	Expires int64
	Sig     string
}

// Signed reports whether g is a signed link's.
func (g Grant) Signed() bool { return g.Sig != "" }

// ExpiresAt is a signed link's expiry; the zero Time for a caption link.
func (g Grant) ExpiresAt() time.Time {
	if !g.Signed() {
		return time.Time{}
	}
	return time.Unix(g.Expires, 0)
}

// Code is the grant of a caption link.
func Code(code string) Grant { return Grant{Code: code} }

// query is the grant as a raw query string.
func (g Grant) query() string {
	if g.Signed() {
		return "exp=" + strconv.FormatInt(g.Expires, 10) + "&sig=" + g.Sig
	}
	return "code=" + url.QueryEscape(g.Code)
}

// FromQuery reads the grant of a raw query string: the first "code"
// parameter, else exp and sig. ErrNoCode when there is none of them (or
// only "code==stream"); ErrBadSignature for a malformed exp or sig.
func FromQuery(rawQuery string) (Grant, error) {
	code := CodeFromQuery(rawQuery)
	if code == "" || code == StreamSuffix {
		g, found, err := signedFromQuery(rawQuery)
		if !found {
			return Grant{}, ErrNoCode
		}
		return g, err
	}
	return Grant{Code: code}, nil
}

// CutStream reads g as the grant of a /dl link: a code C=stream (the
// seed's stream link) asks for the player page with code C.
func (g Grant) CutStream() (player Grant, ok bool) {
	if g.Signed() {
		return g, false
	}
	if c, ok := strings.CutSuffix(g.Code, StreamSuffix); ok && c != "" {
		return Grant{Code: c}, true
	}
	return g, false
}

// CodeFromQuery returns the value of the first "code" parameter of a raw
// query string. Pairs are split on '&' only, so a caption holding ';' still
// works; '+' and %XX are decoded, and a value that does not decode is used
// as it is (the Python bot does not escape captions).
func CodeFromQuery(rawQuery string) string {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		key, value, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err != nil || k != "code" {
			continue
		}
		if v, err := url.QueryUnescape(value); err == nil {
			return v
		}
		return value
	}
	return ""
}

// Check reports whether g unlocks a message whose caption is caption: nil,
// or ErrWrongCode. Both are hashed first so that the comparison takes the
// same time whatever their contents and lengths.
func Check(g Grant, caption string) error {
	got := sha256.Sum256([]byte(g.Code))
	want := sha256.Sum256([]byte(caption))
	if g.Code == "" || caption == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return ErrWrongCode
	}
	return nil
}

// The links of one message. base is "scheme://host" ("" gives relative
// links).

// Download is the file: base/dl/{id}?code={code}.
func Download(base string, id int, g Grant) string {
	return base + DownloadPrefix + strconv.Itoa(id) + "?" + g.query()
}

// Stream is the link a user opens to play the file: for a caption link
// the Python bot's base/dl/{id}?code={code}=stream, which redirects to the
// player; for a signed link the player itself.
func Stream(base string, id int, g Grant) string {
	if g.Signed() {
		return Player(base, id, g)
	}
	return Download(base, id, g) + StreamSuffix
}

// Player is the player page: base/stream/{id}?code={code}.
func Player(base string, id int, g Grant) string {
	return base + PlayerPrefix + strconv.Itoa(id) + "?" + g.query()
}

// Thumb is the file's preview image: base/thumb/{id}?code={code}.
func Thumb(base string, id int, g Grant) string {
	return base + ThumbPrefix + strconv.Itoa(id) + "?" + g.query()
}

// SaveMark is the query parameter of a download link's save form (Save):
// a request that is a download whatever the browser says of it. Chromium's
// "Save link as" and <a download> send navigation-like headers, which on a
// plain link over a response cap would save the player page, not the file.
const SaveMark = "dl=1"

// Save is the Download button's link: Download with SaveMark. A server
// never redirects it to the player page.
func Save(base string, id int, g Grant) string {
	return Download(base, id, g) + "&" + SaveMark
}

// IsSave reports whether a raw query string is a save form's (Save).
func IsSave(rawQuery string) bool {
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == SaveMark {
			return true
		}
	}
	return false
}

// Parse reads the message id and grant of a link made here (any of the
// three forms, any base). ok is false for anything else.
func Parse(link string) (id int, g Grant, ok bool) {
	u, err := url.Parse(link)
	if err != nil {
		return 0, Grant{}, false
	}
	rest, isDL := strings.CutPrefix(u.EscapedPath(), DownloadPrefix)
	if !isDL {
		if rest, ok = strings.CutPrefix(u.EscapedPath(), PlayerPrefix); !ok {
			return 0, Grant{}, false
		}
	}
	id, err = ParseID(rest)
	if err != nil {
		return 0, Grant{}, false
	}
	code := CodeFromQuery(u.RawQuery)
	if isDL {
		code = strings.TrimSuffix(code, StreamSuffix)
	}
	if code == "" {
		g, found, err := signedFromQuery(u.RawQuery)
		return id, g, found && err == nil
	}
	return id, Code(code), true
}

// MaxRange is the most messages one range of ids names (ParseIDRange).
const MaxRange = 20

// ErrBadRange: a range ParseIDRange does not read.
var ErrBadRange = errors.New("want a message id N or a range N-M of at most 20 ids, N <= M")

// ParseIDRange reads "N" or "N-M": message ids N to M (ParseID each), at
// most MaxRange of them.
func ParseIDRange(s string) (first, last int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if first, err = ParseID(a); err != nil {
		return 0, 0, ErrBadRange
	}
	if !isRange {
		return first, first, nil
	}
	if last, err = ParseID(b); err != nil || last < first || last-first >= MaxRange {
		return 0, 0, ErrBadRange
	}
	return first, last, nil
}
