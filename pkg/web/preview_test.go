package web_test

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/links"
)

// The thumbnail Telegram keeps, byte for byte from the fake; a neutral
// image when there is none; the same code rules as /dl; and the player's
// link-preview tags and poster.
func TestIntegrationPreview(t *testing.T) {
	clk := &clock{t: time.Now()}
	signer := links.NewSigner("preview key", clk.now)
	s := newSignedSite(t, signer)
	thumb := tgfake.Pattern(9, 12345)
	video := s.fake.AddMessage("vcode", &tgfake.Media{Kind: tgfake.KindVideo, Name: "clip <1>.mp4", MIMEType: "video/mp4",
		Content: tgfake.Pattern(8, 200000), Width: 320, Height: 180, Duration: 3, Thumb: thumb})
	doc := s.fake.AddMessage("dcode", &tgfake.Media{Kind: tgfake.KindDocument, Name: "a.pdf", MIMEType: "application/pdf", Content: tgfake.Pattern(7, 1000)})
	photo := s.fake.AddMessage("pcode", &tgfake.Media{Kind: tgfake.KindPhoto, Content: tgfake.Pattern(6, 64000), Width: 640, Height: 360})

	resp, body := s.get(t, "GET", links.Thumb("", video, links.Code("vcode")))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || !bytes.Equal(body, slice(t, thumb, 0, thumb.Size()-1)) {
		t.Fatalf("video thumbnail: %d %s, %d bytes (want the fake's %d)", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), thumb.Size())
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=3600" {
		t.Errorf("thumbnail Cache-Control %q", cc)
	}
	if resp, body := s.get(t, "GET", links.Thumb("", photo, links.Code("pcode"))); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || len(body) == 0 || int64(len(body)) >= 64000 {
		t.Errorf("photo thumbnail: %d %s %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	// An expired file reference never gives other bytes than the thumbnail.
	s.fake.ExpireFileReferences()
	if resp, body := s.get(t, "GET", links.Thumb("", video, links.Code("vcode"))); resp.StatusCode != 200 ||
		!bytes.Equal(body, slice(t, thumb, 0, thumb.Size()-1)) && !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Errorf("thumbnail after the file reference expired: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	resp, body = s.get(t, "GET", links.Thumb("", doc, links.Code("dcode")))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Errorf("no thumbnail: %d %s, want a PNG", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for target, want := range map[string]int{
		links.Thumb("", video, links.Code("wrong")):                       403,
		"/thumb/" + "12" + "x":                                            400,
		links.Thumb("", video, signer.SignFor(video, "vcode", time.Hour)): 200,
	} {
		if resp, _ := s.get(t, "GET", target); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", target, resp.StatusCode, want)
		}
	}

	resp, body = s.get(t, "GET", links.Player("", video, links.Code("vcode")), "Host", "files.example")
	page := string(body)
	base := "http://" + strings.TrimPrefix(s.srv.URL, "http://")
	thumbURL := html.EscapeString(links.Thumb(base, video, links.Code("vcode")))
	for _, tag := range []string{
		`<meta property="og:title" content="clip &lt;1&gt;.mp4">`,
		`<meta property="og:type" content="video.other">`,
		`<meta property="og:image" content="` + thumbURL + `">`,
		`<meta property="og:video" content="` + html.EscapeString(links.Download(base, video, links.Code("vcode"))) + `">`,
		`<meta property="og:video:type" content="video/mp4">`,
		`<meta name="twitter:card" content="summary_large_image">`,
		`<meta name="twitter:image" content="` + thumbURL + `">`,
		`poster="` + thumbURL + `"`,
		`<meta name="referrer" content="no-referrer">`,
	} {
		if !strings.Contains(page, tag) {
			t.Errorf("player page lacks %s", tag)
		}
	}
	if d := `<meta property="og:description" content="195 KiB · video/mp4 · 0:03 · 320×180">`; !strings.Contains(page, d) {
		t.Errorf("player page lacks %s", d)
	}
	if resp.StatusCode != 200 {
		t.Errorf("player: %d", resp.StatusCode)
	}
}
