// Package templates holds the HTML pages and their static assets, embedded
// into the binary so the server runs from an empty working directory.
package templates

import (
	"embed"
	"html/template"
	"io/fs"
)

//go:embed *.html static
var files embed.FS

// Pages are the parsed templates: "index.html" and "player.html".
var Pages = template.Must(template.ParseFS(files, "*.html"))

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
