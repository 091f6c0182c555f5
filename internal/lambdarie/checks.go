package lambdarie

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/pkg/links"
)

// Want is what a site says of its platform on /healthz.
type Want struct {
	Platform string
	// MaxResponseBytes is the response cap: a larger range is sliced to
	// it, a larger whole file refused.
	MaxResponseBytes int64
	BaseURL          string // "": not checked
}

// CheckSite runs the checks every site (each platform's functions under
// the emulator) must pass, one subtest each, on cat's files.
func CheckSite(t *testing.T, s *Site, cat *Catalog, want Want) {
	for _, c := range []struct {
		name  string
		check func(*testing.T, *Site, *Catalog, Want)
	}{
		{"StatusPages", checkStatusPages},
		{"PlayerPage", checkPlayerPage},
		{"Ranges", checkRanges},
		{"OpenRangeSliced", checkOpenRangeSliced},
		{"WholeSmallFile", checkWholeSmallFile},
		{"Head", checkHead},
		{"Errors", checkErrors},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t, s, cat, want) })
	}
}

// CheckOneLineError checks the shape every error answer has.
func CheckOneLineError(t testing.TB, what string, res *Response) {
	t.Helper()
	testkit.CheckOneLineError(t, what, res.Header, res.Body)
}

func checkStatusPages(t *testing.T, s *Site, _ *Catalog, want Want) {
	res := s.Do(t, "GET", "/", nil)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !bytes.Contains(res.Body, []byte("<html")) {
		t.Errorf("GET /: %d %q %.80q", res.Status, res.Header.Get("Content-Type"), res.Body)
	}

	res = s.Do(t, "GET", "/healthz", nil)
	var h struct {
		Platform         string `json:"platform"`
		BaseURL          string `json:"baseURL"`
		MaxResponseBytes int64  `json:"maxResponseBytes"`
	}
	if err := json.Unmarshal(res.Body, &h); err != nil || res.Status != 200 {
		t.Fatalf("GET /healthz: %d %q: %v", res.Status, res.Body, err)
	}
	if h.Platform != want.Platform || h.MaxResponseBytes != want.MaxResponseBytes || want.BaseURL != "" && h.BaseURL != want.BaseURL {
		t.Errorf("GET /healthz = %+v, want %+v", h, want)
	}

	res = s.Do(t, "GET", "/static/style.css", nil)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || len(res.Body) == 0 {
		t.Errorf("GET /static/style.css: %d %q, %d bytes", res.Status, res.Header.Get("Content-Type"), len(res.Body))
	}
}

func checkPlayerPage(t *testing.T, s *Site, cat *Catalog, _ Want) {
	v := cat.Video
	res := s.Do(t, "GET", v.Player(), nil)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("player: %d %q %q", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	for _, want := range []string{v.Name, "/dl/" + strconv.Itoa(v.ID), "<video"} {
		if !bytes.Contains(res.Body, []byte(want)) {
			t.Errorf("player page lacks %q", want)
		}
	}

	x := cat.XSS
	res = s.Do(t, "GET", x.Player(), nil)
	if res.Status != 200 || bytes.Contains(res.Body, []byte("<img src=x")) {
		t.Errorf("player of %q: %d, name not escaped: %v", x.Name, res.Status, bytes.Contains(res.Body, []byte("<img src=x")))
	}

	// The seed bot's "=stream" links redirect to the player, with the
	// suffix as the bot writes it and query-escaped.
	for _, link := range []string{links.Stream("", v.ID, links.Code(v.Caption)), links.Download("", v.ID, links.Code(v.Caption+"=stream"))} {
		res = s.Do(t, "GET", link, nil)
		if loc := res.Header.Get("Location"); res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/stream/"+strconv.Itoa(v.ID)+"?code=") {
			t.Errorf("=stream link %s: %d Location %q", link, res.Status, loc)
		}
	}
}

// checkRange asks for rng of f and checks the 206 of first to last, sliced
// at the cap: Content-Range, Content-Length and the bytes.
func checkRange(t *testing.T, s *Site, f File, rng string, first, last, limit int64) {
	t.Helper()
	res := s.Do(t, "GET", f.DL(), map[string]string{"Range": rng})
	if res.Status != http.StatusPartialContent {
		t.Fatalf("status %d %q", res.Status, res.Body)
	}
	last = min(last, first+limit-1)
	size := f.Data.Size()
	wantCR := fmt.Sprintf("bytes %d-%d/%d", first, last, size)
	if cr := res.Header.Get("Content-Range"); cr != wantCR {
		t.Errorf("Content-Range %q, want %q", cr, wantCR)
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.FormatInt(last-first+1, 10) {
		t.Errorf("Content-Length %q, want %d", cl, last-first+1)
	}
	if int64(len(res.Body)) > limit {
		t.Errorf("body %d bytes, over the cap of %d", len(res.Body), limit)
	}
	if want := f.Bytes(t, first, last); !bytes.Equal(res.Body, want) {
		t.Errorf("body: %d bytes differ from the file's %d-%d", len(res.Body), first, last)
	}
}

func checkRanges(t *testing.T, s *Site, cat *Catalog, want Want) {
	size := cat.Edge.Data.Size()
	const MiB = 1 << 20
	for _, tt := range []struct {
		rng         string
		first, last int64
	}{
		{"bytes=0-0", 0, 0},
		{"bytes=0-1023", 0, 1023},
		{"bytes=1-1", 1, 1},
		{"bytes=1048575-1048576", MiB - 1, MiB},
		{"bytes=1048000-2098200", 1048000, 2098200},
		{"bytes=1000-2049000", 1000, 2049000},
		{"bytes=2097151-3145728", 2*MiB - 1, 3 * MiB},
		{"bytes=3145000-", 3145000, size - 1},
		{"bytes=-100", size - 100, size - 1},
		{"bytes=-77", size - 77, size - 1},
		{"bytes=3145700-99999999", 3145700, size - 1},
		{"bytes=0-", 0, size - 1}, // 3 MiB: whole under a 4 MiB cap, sliced under 2 MiB
	} {
		t.Run(tt.rng, func(t *testing.T) { checkRange(t, s, cat.Edge, tt.rng, tt.first, tt.last, want.MaxResponseBytes) })
	}
}

// checkOpenRangeSliced: an open or large range on a file over the cap
// comes back as a 206 of at most the cap with a Content-Range that says
// so, so players and download managers ask for the next slice. The whole
// file is never a truncated 200.
func checkOpenRangeSliced(t *testing.T, s *Site, cat *Catalog, want Want) {
	big := cat.Big
	size := big.Data.Size()
	for _, tt := range []struct {
		rng         string
		first, last int64
	}{
		{"bytes=0-", 0, size - 1},
		{"bytes=1000-", 1000, size - 1},
		{"bytes=123457-", 123457, size - 1},
		{"bytes=5000000-40000000", 5000000, 40000000},
		{"bytes=" + strconv.FormatInt(size-1000, 10) + "-", size - 1000, size - 1},
	} {
		t.Run(tt.rng, func(t *testing.T) { checkRange(t, s, big, tt.rng, tt.first, tt.last, want.MaxResponseBytes) })
	}

	// A browser navigation goes to the player, another client gets a 413
	// that says how to fetch.
	res := s.Do(t, "GET", big.DL(), map[string]string{"Accept": "*/*"})
	if res.Status != http.StatusRequestEntityTooLarge || !bytes.Contains(res.Body, []byte(strconv.FormatInt(size, 10))) {
		t.Errorf("whole big file: %d %q, want 413 naming the size", res.Status, res.Body)
	}
	CheckOneLineError(t, "whole big file", res)
	res = s.Do(t, "GET", big.DL(), map[string]string{"Accept": "text/html,*/*", "Sec-Fetch-Mode": "navigate"})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/stream/") {
		t.Errorf("navigation to big file: %d Location %q, want 303 to the player", res.Status, res.Header.Get("Location"))
	}
}

func checkWholeSmallFile(t *testing.T, s *Site, cat *Catalog, _ Want) {
	for _, f := range []File{cat.Small, cat.Escaped} {
		res := s.Do(t, "GET", f.DL(), nil)
		if want := f.All(t); res.Status != 200 || !bytes.Equal(res.Body, want) {
			t.Fatalf("GET %s: %d, body %.200q, want %.200q", f.Name, res.Status, res.Body, want)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, f.Name) {
			t.Errorf("%s: Content-Disposition %q", f.Name, cd)
		}
		if res.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("%s: Accept-Ranges %q", f.Name, res.Header.Get("Accept-Ranges"))
		}
	}
}

// checkHead: HEAD answers the headers of GET with no body (a runtime would
// send bytes written for HEAD) and reads no file bytes.
func checkHead(t *testing.T, s *Site, cat *Catalog, want Want) {
	// Resolve first, so the counter sees only what HEAD itself does.
	small := []File{cat.Small, cat.Escaped}
	for _, f := range small {
		s.Do(t, "HEAD", f.DL(), nil)
	}
	before := cat.Fake.Calls(tg.UploadGetFileRequestTypeID)

	for _, f := range small {
		res := s.Do(t, "HEAD", f.DL(), nil)
		if res.Status != 200 || len(res.Body) != 0 || res.Header.Get("Content-Length") != strconv.FormatInt(f.Data.Size(), 10) {
			t.Errorf("HEAD %s: %d, %d body bytes, Content-Length %q", f.Name, res.Status, len(res.Body), res.Header.Get("Content-Length"))
		}
	}
	for _, rng := range []string{"10-19", "100-199"} {
		res := s.Do(t, "HEAD", cat.Edge.DL(), map[string]string{"Range": "bytes=" + rng})
		if res.Status != 206 || len(res.Body) != 0 || res.Header.Get("Content-Range") != fmt.Sprintf("bytes %s/%d", rng, cat.Edge.Data.Size()) {
			t.Errorf("HEAD range %s: %d, %d body bytes, Content-Range %q", rng, res.Status, len(res.Body), res.Header.Get("Content-Range"))
		}
	}
	res := s.Do(t, "HEAD", cat.Big.DL(), map[string]string{"Range": "bytes=0-"})
	if res.Status != 206 || len(res.Body) != 0 || res.Header.Get("Content-Length") != strconv.FormatInt(want.MaxResponseBytes, 10) {
		t.Errorf("HEAD open range on big file: %d, %d body bytes, Content-Length %q", res.Status, len(res.Body), res.Header.Get("Content-Length"))
	}
	for _, path := range []string{"/", "/healthz"} {
		if res := s.Do(t, "HEAD", path, nil); res.Status != 200 || len(res.Body) != 0 {
			t.Errorf("HEAD %s: %d with %d body bytes", path, res.Status, len(res.Body))
		}
	}
	if after := cat.Fake.Calls(tg.UploadGetFileRequestTypeID); after != before {
		t.Errorf("HEAD made %d upload.getFile calls", after-before)
	}
}

func checkErrors(t *testing.T, s *Site, cat *Catalog, _ Want) {
	edge := strconv.Itoa(cat.Edge.ID)
	for _, tt := range []struct {
		name, method, target string
		headers              map[string]string
		status               int
	}{
		{"id not a number", "GET", "/dl/abc?code=x", nil, 400},
		{"id with a letter", "GET", "/dl/x1?code=a", nil, 400},
		{"id zero", "GET", "/dl/0?code=x", nil, 400},
		{"id negative", "GET", "/dl/-5?code=x", nil, 400},
		{"id too large", "GET", "/dl/99999999999?code=x", nil, 400},
		{"player id not a number", "GET", "/stream/1x?code=x", nil, 400},
		{"no code", "GET", "/dl/" + edge, nil, 401},
		{"empty code", "GET", "/dl/" + edge + "?code=", nil, 401},
		{"player no code", "GET", "/stream/" + edge, nil, 401},
		{"wrong code", "GET", "/dl/" + edge + "?code=guess", nil, 403},
		{"player wrong code", "GET", "/stream/" + edge + "?code=guess", nil, 403},
		{"no such message", "GET", "/dl/999999?code=x", nil, 404},
		{"no message", "GET", "/dl/424242?code=a", nil, 404},
		{"message without media", "GET", cat.Text.DL(), nil, 404},
		{"unknown path", "GET", "/nothing/here", nil, 404},
		{"unknown route", "GET", "/wp-admin", nil, 404},
		{"nested dl path", "GET", "/dl/1/2?code=x", nil, 404},
		{"POST", "POST", cat.Edge.DL(), nil, 405},
		{"DELETE on index", "DELETE", "/", nil, 405},
		{"over the cap", "GET", cat.Big.DL(), nil, 413},
		{"range past the end", "GET", cat.Edge.DL(), map[string]string{"Range": "bytes=99999999-"}, 416},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.Do(t, tt.method, tt.target, tt.headers)
			if res.Status != tt.status {
				t.Fatalf("%s %s: status %d %q, want %d", tt.method, tt.target, res.Status, res.Body, tt.status)
			}
			CheckOneLineError(t, tt.name, res)
			if bytes.Contains(res.Body, []byte(cat.Edge.Caption)) {
				t.Errorf("error body %q reveals the code", res.Body)
			}
		})
	}
}
