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
	"html/template"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
)

//go:embed *.html static
var files embed.FS

// Pages are the parsed templates: "index.html" and "player.html".
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
	// MaxResponseBytes is the per-response cap (0: unlimited).
	MaxResponseBytes int64
	// Sessions describes the Telegram session (source, pool figures).
	Sessions *Facts
}

// Facts is a titled list of label/value pairs with an optional note.
type Facts struct {
	Items []Fact
	Note  string
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
	// DownloadURL is the absolute /dl link with its code; StreamURL the /stream page.
	DownloadURL string
	StreamURL   string
	// MaxResponseBytes is the per-response cap (0: unlimited); above it the
	// Download button assembles the file from ranges.
	MaxResponseBytes int64
}

// Sliced reports whether the Download button must assemble the file from
// ranges because one response may not carry all of it.
func (p Player) Sliced() bool {
	return p.MaxResponseBytes > 0 && p.Size > p.MaxResponseBytes
}

var funcs = template.FuncMap{
	"bytes":     FormatBytes,
	"vlcURL":    vlcURL,
	"intentURL": intentURL,
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
