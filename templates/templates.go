// Package templates holds the HTML pages and their static assets, embedded
// into the binary so the server runs from an empty working directory.
//
// The pages carry no inline script or style: everything they run or apply
// lives under static/ and is served at /static/, so a Content-Security-Policy
// with script-src 'self' and style-src 'self' covers them. Values reach the
// scripts through data-* attributes, never through generated JavaScript.
package templates

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"
)

//go:embed *.html static
var files embed.FS

// Pages are the parsed templates: "index.html", "player.html" and
// "error.html", with the partials of head.html they share.
var Pages = template.Must(template.New("").Funcs(funcs).ParseFS(files, "*.html"))

// Static holds the assets served under /static/ (scripts, styles, the
// download service worker).
var Static = mustSub(files, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Index is the data of index.html.
type Index struct {
	Version   string
	Platform  string
	BaseURL   string
	Connected bool
	// Health is the class of what is known of the setup ("ok",
	// "connecting", "bot_token", …), Hint what to do about it, Broken
	// whether the configuration is known to be wrong.
	Health string
	Hint   string
	Broken bool
	// MaxResponseBytes is the per-response cap (0: unlimited).
	MaxResponseBytes int64
	// WorkerBaseURL is the Worker that serves files over the cap whole
	// (WORKER_BASE_URL), "" if none.
	WorkerBaseURL string
	// Bots are the Telegram bots serving files (none: not shown).
	Bots []Bot
	// Samples are the demo's files, linked from the page (none elsewhere).
	Samples []Sample
	// Sessions describes the Telegram sessions (source, pool figures).
	Sessions *Sessions
}

// Sample is one demo file the index links to.
type Sample struct {
	Kind, Name, Size         string
	StreamPath, DownloadPath string
}

// Error is the data of error.html: the page a browser navigation that
// ends in an error gets.
type Error struct {
	Status int    // 404
	Title  string // "Not Found"
	Reason string // the one-line reason other clients get as text/plain
	Hint   string // what to do
	// RetryAfter is the Retry-After in whole seconds, "" if none.
	RetryAfter string
}

// Sessions is the status page's card of the Telegram sessions.
type Sessions struct {
	// Bots are the facts of each bot's session, the first bot first,
	// titled by the bot's public label.
	Bots []Facts
	// Note says what the operator should know about all of them.
	Note string
}

// Facts is a titled list of label/value pairs.
type Facts struct {
	Title string
	Items []Fact
}

// Fact is one label and its value.
type Fact struct {
	Label, Value string
	Warn         bool
}

// Player is the data of player.html.
type Player struct {
	Name     string
	Size     int64
	SizeText string // "12.3 MiB"
	MIMEType string
	// Media is "video", "audio", "image" or "" (download only).
	Media string
	// Resolution ("1920×1080") and Duration ("1:02:03") when known, else "".
	Resolution string
	Duration   string
	// DownloadURL is the absolute /dl link with its code, on this origin:
	// what the media element plays and the sliced download fetches;
	// StreamURL the /stream page.
	DownloadURL string
	StreamURL   string
	// LinkURL is the download link to share: DownloadURL, or the same on
	// the Worker when the file is over the cap and a Worker is set.
	LinkURL string
	// SaveURL is the Download button's href: LinkURL's save form, which
	// "Save link as" saves as the file, never as the player page.
	SaveURL string
	// ThumbURL is the preview image (/thumb, the same code): the video's
	// poster and the link previews' picture.
	ThumbURL string
	// Expires is when a signed link stops working ("2026-03-02 12:00 UTC");
	// "" for a caption link.
	Expires string
	// MaxResponseBytes is the per-response cap (0: unlimited); above it the
	// Download button assembles the file from ranges, unless ViaWorker.
	MaxResponseBytes int64
	// ViaWorker: the file is over the cap and the Worker serves it whole.
	ViaWorker bool
}

// Sliced reports whether the Download button must assemble the file from
// ranges because one response may not carry all of it.
func (p Player) Sliced() bool {
	return p.MaxResponseBytes > 0 && p.Size > p.MaxResponseBytes && !p.ViaWorker
}

var funcs = template.FuncMap{
	"bytes":       FormatBytes,
	"healthLabel": healthLabel,
	"vlcURL":      vlcURL,
	"intentURL":   intentURL,
}

// healthLabel names a health class (stream.Health*) for people.
func healthLabel(class string) string {
	switch class {
	case "ok":
		return "connected"
	case "connecting":
		return "connecting to Telegram"
	case "unreachable":
		return "Telegram not reachable"
	case "credentials":
		return "API_ID / API_HASH refused"
	case "bot_token":
		return "BOT_TOKEN refused"
	case "channel_id":
		return "no such log channel"
	case "channel_access":
		return "bot may not read the log channel"
	}
	return "unknown"
}

// FormatDuration formats d as a player shows it: "0:07", "12:34",
// "1:02:03" (whole seconds, rounded down).
func FormatDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	h, m, sec := secs/3600, secs/60%60, secs%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// FormatBytes formats n with a binary unit, as a person reads it:
// "512 B", "1.5 KiB", "64 MiB", "2.25 GiB".
func FormatBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n)
	var unit string
	for _, unit = range units {
		v /= 1024
		if v < 1024 {
			break
		}
	}
	prec := 2
	switch {
	case v >= 100:
		prec = 0
	case v >= 10:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + " " + unit
}

// httpURL parses s and accepts it only as an absolute http or https URL.
func httpURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}

// vlcURL is the link that opens stream in VLC ("vlc://https://…"), which
// VLC registers on Android, iOS and desktops. html/template would replace a
// non-web scheme with "#ZgotmplZ", so the value is checked here and marked
// safe; anything but an absolute http(s) URL yields an inert "#".
func vlcURL(stream string) template.URL {
	u, ok := httpURL(stream)
	if !ok {
		return "#"
	}
	return template.URL("vlc://" + u.String())
}

// intentURL is the Android intent: link that hands stream to MX Player,
// with the file's type and name as extras.
func intentURL(stream, mimeType, title string) template.URL {
	u, ok := httpURL(stream)
	if !ok {
		return "#"
	}
	u.Fragment, u.RawFragment = "", "" // the intent's extras go there
	scheme := u.Scheme
	rest := strings.TrimPrefix(u.String(), scheme+":")
	var b strings.Builder
	b.WriteString("intent:")
	b.WriteString(rest)
	b.WriteString("#Intent;scheme=")
	b.WriteString(scheme)
	b.WriteString(";package=com.mxtech.videoplayer.ad")
	if mimeType != "" && isMIME(mimeType) {
		b.WriteString(";type=")
		b.WriteString(mimeType)
	}
	if title != "" {
		b.WriteString(";S.title=")
		b.WriteString(url.PathEscape(title))
	}
	b.WriteString(";end")
	return template.URL(b.String())
}

// isMIME accepts the characters of a type/subtype token pair, so a value
// from Telegram cannot add fields to an intent: URL.
func isMIME(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	if !ok || typ == "" || sub == "" {
		return false
	}
	for _, r := range typ + sub {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!$&^_.+-", r):
		default:
			return false
		}
	}
	return true
}
