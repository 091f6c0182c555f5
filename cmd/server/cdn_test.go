package main

// What a CDN in front of the server (deploy/cloudflare-worker.js, or any
// shared cache) relies on: file responses cacheable by URL and Range under
// a strong validator that does not change between requests or restarts;
// pages, errors and status never cached.

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// strongETag is an entity tag without the weak prefix W/ (RFC 9110 8.8.3).
var strongETag = regexp.MustCompile(`^"[\x21\x23-\x7e]+"$`)

func TestCDNCachingHeaders(t *testing.T) {
	t.Parallel()
	fake, env := fakeTelegram(t)
	content := tgfake.Pattern(11, 3<<20+17)
	id := fake.AddMessage("cdn-code", &tgfake.Media{Kind: tgfake.KindVideo, Name: "clip.mp4", MIMEType: "video/mp4", Content: content})
	other := fake.AddMessage("cdn-code", &tgfake.Media{Kind: tgfake.KindDocument, Name: "other.bin", Content: tgfake.Pattern(12, 3<<20+17)})
	p := startServer(t, env)
	dl := func(base string, id int) string { return fmt.Sprintf("%s/dl/%d?code=cdn-code", base, id) }

	whole, body := get(t, dl(p.base, id))
	if whole.StatusCode != http.StatusOK || int64(len(body)) != content.Size() {
		t.Fatalf("whole file: %d, %d bytes", whole.StatusCode, len(body))
	}
	etag := whole.Header.Get("ETag")
	if !strongETag.MatchString(etag) {
		t.Fatalf("ETag %q is not a strong entity tag", etag)
	}

	cases := []struct {
		name   string
		header []string
		first  int64
		last   int64
	}{
		{"first bytes", []string{"Range", "bytes=0-1023"}, 0, 1023},
		{"across a MiB", []string{"Range", "bytes=1048000-2097500"}, 1048000, 2097500},
		{"suffix", []string{"Range", "bytes=-100"}, content.Size() - 100, content.Size() - 1},
		{"If-Range with the ETag", []string{"Range", "bytes=5-9", "If-Range", etag}, 5, 9},
	}
	for _, tc := range cases {
		resp, body := get(t, dl(p.base, id), tc.header...)
		if resp.StatusCode != http.StatusPartialContent {
			t.Errorf("%s: status %d, want 206", tc.name, resp.StatusCode)
			continue
		}
		if got, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", tc.first, tc.last, content.Size()); got != want {
			t.Errorf("%s: Content-Range %q, want %q", tc.name, got, want)
		}
		if string(body) != string(tgfake.ReadRange(t, content, tc.first, tc.last)) {
			t.Errorf("%s: wrong bytes", tc.name)
		}
		checkCacheable(t, tc.name, resp.Header)
		if got := resp.Header.Get("ETag"); got != etag {
			t.Errorf("%s: ETag %q, the whole file's is %q", tc.name, got, etag)
		}
	}
	checkCacheable(t, "200", whole.Header)
	if whole.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("Accept-Ranges %q", whole.Header.Get("Accept-Ranges"))
	}

	// Revalidation: a cache holding the ETag gets 304 with the headers it
	// refreshes; an If-Range that no longer matches gets the whole file.
	resp, body := get(t, dl(p.base, id), "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match with the ETag: %d, %d bytes; want 304, empty", resp.StatusCode, len(body))
	}
	if resp.Header.Get("ETag") != etag || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") {
		t.Errorf("304 lacks ETag or Cache-Control: %v", resp.Header)
	}
	resp, body = get(t, dl(p.base, id), "Range", "bytes=0-9", "If-Range", `"stale"`)
	if resp.StatusCode != http.StatusOK || int64(len(body)) != content.Size() {
		t.Errorf("If-Range with another ETag: %d, %d bytes; want 200 and the whole file", resp.StatusCode, len(body))
	}

	// Another file has another tag; the same file has the same tag after
	// a restart (here: a second process over the same channel).
	resp, _ = get(t, dl(p.base, other), "Range", "bytes=0-0")
	if o := resp.Header.Get("ETag"); o == "" || o == etag {
		t.Errorf("another file's ETag %q, this file's %q", o, etag)
	}
	again := startServer(t, env)
	for _, h := range [][]string{nil, {"Range", "bytes=0-1023"}} {
		resp, _ := get(t, dl(again.base, id), h...)
		if got := resp.Header.Get("ETag"); got != etag {
			t.Errorf("after a restart (Range %v): ETag %q, before %q", h, got, etag)
		}
		if got, want := resp.Header.Get("Last-Modified"), whole.Header.Get("Last-Modified"); got != want || got == "" {
			t.Errorf("after a restart: Last-Modified %q, before %q", got, want)
		}
	}

	// Never cached: pages (they hold the code and absolute links), status,
	// and errors (a wrong code, no such message).
	for _, u := range []string{
		p.base + "/",
		p.base + "/healthz",
		fmt.Sprintf("%s/stream/%d?code=cdn-code", p.base, id),
		fmt.Sprintf("%s/dl/%d?code=wrong", p.base, id),
		fmt.Sprintf("%s/dl/%d?code=cdn-code", p.base, 999),
	} {
		resp, _ := get(t, u)
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s: %d with Cache-Control %q, want no-store", strings.TrimPrefix(u, p.base), resp.StatusCode, cc)
		}
	}

	// Static assets: cacheable, versioned ones for good.
	resp, _ = get(t, p.base+"/static/player.js")
	checkCacheable(t, "/static/player.js", resp.Header)
	if !strongETag.MatchString(resp.Header.Get("ETag")) {
		t.Errorf("/static/player.js: ETag %q", resp.Header.Get("ETag"))
	}
	resp, _ = get(t, p.base+"/static/player.js?v=1")
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned static: Cache-Control %q", cc)
	}
}

// checkCacheable checks that h lets a shared cache keep the response for a
// while: public, a max-age above zero, nothing that forbids storing, and
// no Vary that splits the cache by something other than a request header.
func checkCacheable(t *testing.T, name string, h http.Header) {
	t.Helper()
	cc := h.Get("Cache-Control")
	if !strings.Contains(cc, "public") {
		t.Errorf("%s: Cache-Control %q is not public", name, cc)
	}
	for _, d := range []string{"no-store", "no-cache", "private"} {
		if strings.Contains(cc, d) {
			t.Errorf("%s: Cache-Control %q has %s", name, cc, d)
		}
	}
	if maxAge(cc) <= 0 {
		t.Errorf("%s: Cache-Control %q has no positive max-age", name, cc)
	}
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(f)) {
			case "*", "cookie", "authorization", "user-agent":
				t.Errorf("%s: Vary %q makes the response uncacheable or splits the cache per client", name, v)
			}
		}
	}
	if h.Get("Set-Cookie") != "" {
		t.Errorf("%s: Set-Cookie on a cacheable response", name)
	}
}

// maxAge is the max-age of a Cache-Control value, -1 if none.
func maxAge(cc string) int {
	for _, d := range strings.Split(cc, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), "max-age="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return -1
}
