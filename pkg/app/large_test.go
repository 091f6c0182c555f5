package app_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// TestFourGiBFile: the largest file a bot may download (4 GiB; the fake
// makes its bytes on demand) is served byte-exact near its end, with its
// full size in every header, and its player page shows that size. In
// memory.
func TestFourGiBFile(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := newMemSite(t, nil)
		// step is a subtest's check (t.Run is not allowed in a bubble).
		step := func(name string, check func(t *testing.T)) {
			t.Helper()
			t.Log(name)
			check(t)
		}
		const size = 4 << 30
		content := tgfake.Pattern(44, size)
		id := s.add("huge", &tgfake.Media{Kind: "video", Name: "huge.mp4", MIMEType: "video/mp4", Content: content})
		path := dlPath(id, "huge")

		for _, rng := range [][2]int64{
			{size - 1, size - 1},
			{size - 1000, size - 1},
			{size - 3<<20 - 12345, size - 1<<20 + 77}, // across MiB edges
			{1<<32 - 1<<31 - 5, 1<<32 - 1<<31 + 5},    // across the 2 GiB (int32) edge
		} {
			step(fmt.Sprintf("%d-%d", rng[0], rng[1]), func(t *testing.T) {
				res := s.get(t, requestTimeout, path, "Range", fmt.Sprintf("bytes=%d-%d", rng[0], rng[1]))
				checkExact(t, res, http.StatusPartialContent, tgfake.ReadRange(t, content, rng[0], rng[1]))
				if got, want := res.resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", rng[0], rng[1], int64(size)); got != want {
					t.Errorf("Content-Range %q, want %q", got, want)
				}
				if got, want := res.resp.Header.Get("Content-Length"), strconv.FormatInt(rng[1]-rng[0]+1, 10); got != want {
					t.Errorf("Content-Length %q, want %q", got, want)
				}
			})
		}
		step("suffix", func(t *testing.T) {
			res := s.get(t, requestTimeout, path, "Range", "bytes=-4096")
			checkExact(t, res, http.StatusPartialContent, tgfake.ReadRange(t, content, size-4096, size-1))
		})
		step("HEAD has the full length", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodHead, s.base+path, nil)
			resp, err := s.client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.FormatInt(size, 10) {
				t.Errorf("HEAD: %d, Content-Length %q", resp.StatusCode, resp.Header.Get("Content-Length"))
			}
		})
		step("player page", func(t *testing.T) {
			res := s.get(t, requestTimeout, "/stream/"+strconv.Itoa(id)+"?code=huge")
			if res.status() != 200 {
				t.Fatalf("player: %s", res)
			}
			page := string(res.body)
			for _, want := range []string{">4 GiB<", `data-size="4294967296"`} {
				if !strings.Contains(page, want) {
					t.Errorf("player page lacks %q", want)
				}
			}
		})
	})
}
