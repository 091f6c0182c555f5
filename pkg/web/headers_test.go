package web

import (
	"mime"
	"net/url"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/stream"
)

func TestContentDisposition(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"clip.mp4", `attachment; filename="clip.mp4"; filename*=UTF-8''clip.mp4`},
		{"my file (1).pdf", `attachment; filename="my file (1).pdf"; filename*=UTF-8''my%20file%20%281%29.pdf`},
		{"Привет мир.mkv", `attachment; filename="______ ___.mkv"; filename*=UTF-8''%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%20%D0%BC%D0%B8%D1%80.mkv`},
		{"日本.txt", `attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`},
		{`say "hi".txt`, `attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt`},
		{`a;b; filename="evil.exe".txt`, `attachment; filename="a;b; filename=_evil.exe_.txt"; filename*=UTF-8''a%3Bb%3B%20filename%3D%22evil.exe%22.txt`},
		{`back\slash.txt`, `attachment; filename="back_slash.txt"; filename*=UTF-8''back_slash.txt`},
		{`<script>alert(1)</script>.html`, `attachment; filename="<script>alert(1)<_script>.html"; filename*=UTF-8''%3Cscript%3Ealert%281%29%3C_script%3E.html`},
		{"line\r\nSet-Cookie: x=1", `attachment; filename="line__Set-Cookie: x=1"; filename*=UTF-8''line__Set-Cookie%3A%20x%3D1`},
		{"100%.txt", `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`},
		{"bad\xffutf8", `attachment; filename="bad_utf8"; filename*=UTF-8''bad_utf8`},
		{"rtl\u202egnp.exe", `attachment; filename="rtl_gnp.exe"; filename*=UTF-8''rtl_gnp.exe`},
		{"../../etc/passwd", `attachment; filename=".._.._etc_passwd"; filename*=UTF-8''.._.._etc_passwd`},
		{"", `attachment; filename="file"; filename*=UTF-8''file`},
		{"...", `attachment; filename="file"; filename*=UTF-8''file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := contentDisposition(tt.name)
			if got != tt.want {
				t.Errorf("contentDisposition(%q)\n got %s\nwant %s", tt.name, got, tt.want)
			}
			checkDisposition(t, tt.name, got)
		})
	}
}

// checkDisposition checks what must hold for any name: one header line,
// parseable, and filename* decoding to the cleaned name.
func checkDisposition(t *testing.T, name, header string) {
	t.Helper()
	for i := 0; i < len(header); i++ {
		if c := header[i]; c < 0x20 || c >= 0x7f {
			t.Fatalf("byte %#x in header %q", c, header)
		}
	}
	disp, params, err := mime.ParseMediaType(header)
	if err != nil || disp != "attachment" {
		t.Fatalf("ParseMediaType(%q): %q %v", header, disp, err)
	}
	// mime decodes filename* into "filename" when present.
	if got, want := params["filename"], cleanName(name); got != want {
		t.Errorf("decoded name %q, want %q", got, want)
	}
	if n := strings.Count(header, `"`); n != 2 {
		t.Errorf("%d quotes in %q", n, header)
	}
}

func TestLongNameCutAtRune(t *testing.T) {
	name := strings.Repeat("ж", 200) + ".txt"
	got := cleanName(name)
	if len(got) > maxNameBytes || !strings.HasPrefix(name, got) {
		t.Errorf("cleanName: %d bytes %q", len(got), got)
	}
	checkDisposition(t, name, contentDisposition(name))
}

// The media type and the name are decided in package stream (NewFile);
// here they are only sanitised for headers and pages.
func TestContentType(t *testing.T) {
	tests := []struct {
		mime  string
		want  string
		media string
	}{
		{"video/mp4", "video/mp4", "video"},
		{"audio/ogg", "audio/ogg", "audio"},
		{"image/png", "image/png", "image"},
		{"text/plain; charset=utf-8", "text/plain; charset=utf-8", ""},
		{"application/pdf", "application/pdf", ""},
		// A File made by hand, past NewFile: still no broken header.
		{"video/mp4\r\nX-Evil: 1", "application/octet-stream", ""},
		{"bogus", "application/octet-stream", ""},
		{"", "application/octet-stream", ""},
	}
	for _, tt := range tests {
		f := &stream.File{MIMEType: tt.mime}
		if got := contentType(f); got != tt.want {
			t.Errorf("contentType(%q) = %q, want %q", tt.mime, got, tt.want)
		}
		if got := mediaFor(f); got != tt.media {
			t.Errorf("mediaFor(%q) = %q, want %q", tt.mime, got, tt.media)
		}
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		f    *stream.File
		want string
	}{
		{stream.NewFile(stream.File{MessageID: 7, Name: "a.txt"}, nil), "a.txt"},
		{stream.NewFile(stream.File{MessageID: 7, Name: "  "}, nil), "document_7.bin"},
		{stream.NewFile(stream.File{MessageID: 7, Kind: stream.KindPhoto}, nil), "photo_7.jpg"},
		{stream.NewFile(stream.File{MessageID: 9, Kind: stream.KindVoice}, nil), "voice_9.ogg"},
		// Shown and saved cleaned: no right-to-left override, CR/LF or NUL.
		{stream.NewFile(stream.File{MessageID: 9, Name: "invoice\u202efdp.exe"}, nil), "invoice_fdp.exe"},
		{stream.NewFile(stream.File{MessageID: 9, Name: "a\r\nb\x00.txt"}, nil), "a__b_.txt"},
	}
	for _, tt := range tests {
		if got := fileName(tt.f); got != tt.want {
			t.Errorf("fileName(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestETag(t *testing.T) {
	tests := map[string]string{
		"":              "",
		"5012:1048576":  `"5012:1048576"`,
		`has"quote`:     `"` + "hashed" + `"`,
		"has space":     `"` + "hashed" + `"`,
		"non-ascii-ж":   `"` + "hashed" + `"`,
		"line\r\nbreak": `"` + "hashed" + `"`,
	}
	for version, want := range tests {
		got := etagFor(version)
		if want == `"hashed"` {
			if len(got) != 34 || got[0] != '"' || got[33] != '"' || strings.ContainsAny(got[1:33], "\" \r\n") {
				t.Errorf("etagFor(%q) = %q, want a quoted digest", version, got)
			}
			if etagFor(version) != got {
				t.Errorf("etagFor(%q) not stable", version)
			}
			continue
		}
		if got != want {
			t.Errorf("etagFor(%q) = %q, want %q", version, got, want)
		}
	}
}

func TestCodeFromQuery(t *testing.T) {
	tests := map[string]string{
		"":                         "",
		"code=abc":                 "abc",
		"x=1&code=abc&code=def":    "abc",
		"code=a+b":                 "a b",
		"code=a%20b":               "a b",
		"code=a%2Bb":               "a+b",
		"code=abc=stream":          "abc=stream",
		"code=a;b":                 "a;b",
		"code=100%":                "100%",
		"code=%zz":                 "%zz",
		"code":                     "",
		"cod%65=x":                 "x",
		"codes=x":                  "",
		"code=%E2%9C%93":           "✓",
		"a=%zz&code=ok":            "ok",
		"code=s3cr3t%20Big;+%26=x": "s3cr3t Big; &=x",
	}
	for q, want := range tests {
		if got := codeFromQuery(q); got != want {
			t.Errorf("codeFromQuery(%q) = %q, want %q", q, got, want)
		}
	}
	// The links the player page makes come back as the same code.
	for _, code := range []string{codeBig, "a b+c&d=e;f%g", "=stream", "ж"} {
		if got := codeFromQuery("code=" + url.QueryEscape(code)); got != code {
			t.Errorf("round trip of %q gave %q", code, got)
		}
	}
}

func TestCheckMessageID(t *testing.T) {
	tests := map[string]int{
		"1": 1, "42": 42, "007": 7, "2147483647": 2147483647,
		"0": 0, "": 0, "-1": 0, "+1": 0, "1.0": 0, "1e3": 0, "2147483648": 0, "4294967297": 0,
		"12345678901": 0, " 1": 0, "1 ": 0, "0x10": 0, "١": 0,
	}
	for s, want := range tests {
		got, herr := checkMessageID(s)
		if want == 0 {
			if herr == nil || herr.status != 400 {
				t.Errorf("checkMessageID(%q) = %d, %v; want 400", s, got, herr)
			}
			continue
		}
		if herr != nil || got != want {
			t.Errorf("checkMessageID(%q) = %d, %v; want %d", s, got, herr, want)
		}
	}
}

func TestCheckCode(t *testing.T) {
	f := &stream.File{Caption: "Secret"}
	for code, ok := range map[string]bool{"Secret": true, "secret": false, "Secret ": false, "": false, "Secre": false} {
		if got := checkCode(f, code) == nil; got != ok {
			t.Errorf("checkCode(%q) ok=%v, want %v", code, got, ok)
		}
	}
	if checkCode(&stream.File{}, "") == nil {
		t.Error("an empty caption is unlocked by an empty code")
	}
}
