package templates

import (
	"bytes"
	"html"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{1023, "1023 B"},
		{1024, "1 KiB"},
		{1536, "1.5 KiB"},
		{40560, "39.6 KiB"},
		{1 << 20, "1 MiB"},
		{3015420, "2.88 MiB"},
		{64 << 20, "64 MiB"},
		{150 << 20, "150 MiB"},
		{1023 << 20, "1023 MiB"},
		{2<<30 + 256<<20, "2.25 GiB"},
		{1 << 40, "1 TiB"},
		{1<<63 - 1, "8 EiB"},
	}
	for _, tt := range tests {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestVLCURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://files.example.com/dl/5?code=abc", "vlc://https://files.example.com/dl/5?code=abc"},
		{"http://127.0.0.1:8080/dl/1?code=a%20b", "vlc://http://127.0.0.1:8080/dl/1?code=a%20b"},
		{"javascript:alert(1)", "#"},
		{"/dl/1?code=x", "#"},
		{"vlc://x", "#"},
		{"", "#"},
	}
	for _, tt := range tests {
		if got := string(vlcURL(tt.in)); got != tt.want {
			t.Errorf("vlcURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIntentURL(t *testing.T) {
	tests := []struct {
		stream, mime, title, want string
	}{
		{
			"https://f.example/dl/5?code=abc", "video/mp4", "My film.mp4",
			"intent://f.example/dl/5?code=abc#Intent;scheme=https;package=com.mxtech.videoplayer.ad;type=video/mp4;S.title=My%20film.mp4;end",
		},
		{
			"http://127.0.0.1:8080/dl/1?code=c", "", "",
			"intent://127.0.0.1:8080/dl/1?code=c#Intent;scheme=http;package=com.mxtech.videoplayer.ad;end",
		},
		{
			// A type or a name cannot add intent fields.
			"https://f.example/dl/5?code=abc", "video/mp4;package=evil", "a;end;S.x=1#Intent",
			"intent://f.example/dl/5?code=abc#Intent;scheme=https;package=com.mxtech.videoplayer.ad;S.title=a%3Bend%3BS.x=1%23Intent;end",
		},
		{"javascript:alert(1)", "video/mp4", "x", "#"},
	}
	for _, tt := range tests {
		if got := string(intentURL(tt.stream, tt.mime, tt.title)); got != tt.want {
			t.Errorf("intentURL(%q, %q, %q)\n got %q\nwant %q", tt.stream, tt.mime, tt.title, got, tt.want)
		}
	}
}

// FuzzIntentURL checks that no stream URL, type or name changes the shape
// of the intent: one "#Intent;", the fixed package, fields that are key=value,
// ending in ";end".
func FuzzIntentURL(f *testing.F) {
	f.Add("https://f.example/dl/5?code=abc", "video/mp4", "My film.mp4")
	f.Add("http://h/dl/1?code=a#Intent;x", "video/mp4;end", "a;end;S.x=1#Intent")
	f.Add("https://h/dl/1?code=%00", "a/b", "\x00\n\r")
	f.Fuzz(func(t *testing.T, stream, mime, title string) {
		got := string(intentURL(stream, mime, title))
		if got == "#" {
			return
		}
		if strings.Count(got, "#") != 1 || !strings.HasPrefix(got, "intent://") {
			t.Fatalf("intentURL(%q, %q, %q) = %q: not one fragment", stream, mime, title, got)
		}
		_, extras, _ := strings.Cut(got, "#")
		fields := strings.Split(extras, ";")
		if fields[0] != "Intent" || fields[len(fields)-1] != "end" {
			t.Fatalf("intentURL(%q, %q, %q) = %q: bad frame", stream, mime, title, got)
		}
		allowed := map[string]bool{"scheme": true, "package": true, "type": true, "S.title": true}
		for _, field := range fields[1 : len(fields)-1] {
			k, v, ok := strings.Cut(field, "=")
			if !ok || !allowed[k] {
				t.Fatalf("intentURL(%q, %q, %q) = %q: field %q", stream, mime, title, got, field)
			}
			if k == "package" && v != "com.mxtech.videoplayer.ad" {
				t.Fatalf("intentURL(%q, %q, %q) = %q: package %q", stream, mime, title, got, v)
			}
			if k == "S.title" {
				if dec, err := url.PathUnescape(v); err != nil || dec != title {
					t.Fatalf("title %q does not decode to %q (%v)", v, title, err)
				}
			}
		}
	})
}

const hostile = `<img src=x onerror=alert(1)>.mp4`

func render(t *testing.T, name string, data any) string {
	t.Helper()
	var b bytes.Buffer
	if err := Pages.ExecuteTemplate(&b, name, data); err != nil {
		t.Fatalf("ExecuteTemplate(%s): %v", name, err)
	}
	return b.String()
}

func TestPlayer(t *testing.T) {
	base := Player{
		Name:        hostile,
		Size:        3 << 20,
		SizeText:    "3 MiB",
		MIMEType:    "video/mp4",
		Media:       "video",
		DownloadURL: `https://f.example/dl/5?code=a"b<c>`,
		StreamURL:   `https://f.example/stream/5?code=a"b<c>`,
	}
	tests := []struct {
		name   string
		edit   func(p *Player)
		want   []string // substrings of the page
		absent []string
	}{
		{
			name:   "video below the cap",
			edit:   func(p *Player) { p.MaxResponseBytes = 4 << 20 },
			want:   []string{`<video id="media"`, `vlc://https://f.example/dl/5?code=a%22b%3cc%3e`, `href="intent://f.example`},
			absent: []string{"download.js"},
		},
		{
			name:   "video over the cap",
			edit:   func(p *Player) { p.MaxResponseBytes = 1 << 20 },
			want:   []string{`<video id="media"`, `<script src="/static/download.js" defer>`, `data-slice="1048576"`, `id="progress"`, "(1 MiB)"},
			absent: nil,
		},
		{
			name:   "no cap",
			edit:   func(p *Player) {},
			absent: []string{"download.js", `id="progress"`},
		},
		{
			name:   "audio",
			edit:   func(p *Player) { p.Media = "audio"; p.MIMEType = "audio/mpeg" },
			want:   []string{`<audio id="media"`, "Open in VLC"},
			absent: []string{"<video"},
		},
		{
			name:   "image",
			edit:   func(p *Player) { p.Media = "image"; p.MIMEType = "image/jpeg" },
			want:   []string{`<img id="media" src="https://f.example/dl/5?code=a%22b%3cc%3e" alt="&lt;img`},
			absent: []string{"<video", "Open in VLC"},
		},
		{
			name:   "image over the cap is not inlined",
			edit:   func(p *Player) { p.Media = "image"; p.MaxResponseBytes = 1 << 20 },
			absent: []string{`<img id="media"`},
		},
		{
			name:   "other file",
			edit:   func(p *Player) { p.Media = ""; p.MIMEType = "application/zip" },
			want:   []string{`class="stage stage-file"`},
			absent: []string{"<video", "<audio", "Open in VLC"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.edit(&p)
			page := render(t, "player.html", p)
			for _, s := range tt.want {
				if !strings.Contains(page, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(page, s) {
					t.Errorf("page has %q", s)
				}
			}
			checkNoInline(t, page)
			if strings.Contains(page, hostile) || strings.Contains(page, `"b<c>`) {
				t.Errorf("a value went out unescaped")
			}
			if !strings.Contains(page, `<h1 class="name">`+html.EscapeString(hostile)+`</h1>`) {
				t.Errorf("the name is not shown as text")
			}
		})
	}
}

func TestIndex(t *testing.T) {
	tests := []struct {
		name string
		data Index
		want []string
	}{
		{"connected", Index{Version: "v1.2.3", Platform: "vercel", BaseURL: "https://f.example", Connected: true, Health: "ok", MaxResponseBytes: 4 << 20},
			[]string{`id="telegram">Connected<`, "All systems go", "v1.2.3", "vercel", "https://f.example", "4 MiB"}},
		{"connecting, no cap", Index{Version: "dev", Platform: "server", Health: "connecting", Hint: "logging in"},
			[]string{`id="telegram">connecting to Telegram<`, `class="status warn"`, `id="hint">logging in<`, "Unlimited", "taken from each request"}},
		{"broken", Index{Version: "dev", Platform: "server", Health: "bot_token", Hint: "set the <token>", Broken: true},
			[]string{`class="status bad"`, "Configuration problem: BOT_TOKEN refused", "set the &lt;token&gt;"}},
		{"hostile values", Index{Version: "<b>", Platform: "<script>", BaseURL: `"><img>`},
			[]string{"&lt;b&gt;", "&lt;script&gt;", "&#34;&gt;&lt;img&gt;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := render(t, "index.html", tt.data)
			for _, s := range tt.want {
				if !strings.Contains(page, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			checkNoInline(t, page)
		})
	}
}

var (
	inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	styleElem    = regexp.MustCompile(`(?i)<style`)
	tag          = regexp.MustCompile(`<[a-zA-Z][a-zA-Z0-9]*((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*/?>`)
	attrName     = regexp.MustCompile(`\s([^\s=>]+)(?:="[^"]*")?`)
	assetRef     = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
)

// checkNoInline enforces what the Content-Security-Policy needs: no inline
// script, style or handler, and every /static/ asset the page names exists.
func checkNoInline(t *testing.T, page string) {
	t.Helper()
	if m := inlineScript.FindString(page); m != "" {
		t.Errorf("inline script: %q", m)
	}
	if styleElem.MatchString(page) {
		t.Errorf("a <style> element")
	}
	for _, m := range tag.FindAllStringSubmatch(page, -1) {
		for _, a := range attrName.FindAllStringSubmatch(m[1], -1) {
			name := strings.ToLower(a[1])
			if name == "style" || strings.HasPrefix(name, "on") {
				t.Errorf("inline style or handler: %q", m[0])
			}
		}
	}
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		if _, err := fs.Stat(Static, strings.TrimPrefix(m[1], "/static/")); err != nil {
			t.Errorf("page names %s: %v", m[1], err)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	for _, name := range []string{"style.css", "player.js", "download.js", "sw.js", "favicon.svg"} {
		if _, err := fs.Stat(Static, name); err != nil {
			t.Errorf("static/%s: %v", name, err)
		}
	}
}
