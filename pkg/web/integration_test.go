package web_test

// The HTTP layer over the real stream core and a real gotd client, logged
// in to the in-process fake Telegram over loopback.

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/internal/tgfake/tgfakeclient"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
	"github.com/filetolink/filetolink/pkg/web"
)

const mib = 1 << 20

type site struct {
	fake *tgfake.Server
	srv  *httptest.Server
}

func newSite(t *testing.T, profile platform.Profile) *site {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against the fake Telegram")
	}
	fake := tgfake.NewTest(t, tgfake.Options{})
	o := tgfakeclient.Options(fake)
	o.ConnsPerDC = 4
	o.RPCTimeout = 10 * time.Second
	o.FloodWaitBudget = time.Second
	o.ConnectWait = 20 * time.Second
	client := tgclient.New(o)
	files := stream.New(client, stream.Options{ChannelID: tgfake.DefaultChannelID})
	h := web.New(web.Options{
		Files:   files,
		Profile: profile,
		Logger:  slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		client.Close()
	})
	return &site{fake: fake, srv: srv}
}

func (s *site) get(t *testing.T, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, path, err)
	}
	return resp, body
}

func slice(t *testing.T, c tgfake.Content, first, last int64) []byte {
	t.Helper()
	b := make([]byte, last-first+1)
	if _, err := c.ReadAt(b, first); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return b
}

func TestIntegrationRanges(t *testing.T) {
	s := newSite(t, platform.Profile{Name: "server"})
	const size = 3*mib + 777
	home := tgfake.Pattern(1, size)
	other := tgfake.Pattern(2, size)
	homeID := s.fake.AddMessage("code one", &tgfake.Media{Kind: tgfake.KindVideo, Name: "clip.mp4", MIMEType: "video/mp4", Content: home})
	otherID := s.fake.AddMessage("code two", &tgfake.Media{Kind: tgfake.KindDocument, Name: "Отчёт \"final\".pdf", MIMEType: "application/pdf", Content: other, DC: s.fake.OtherDC()})

	for _, file := range []struct {
		id      int
		code    string
		content tgfake.Content
	}{{homeID, "code one", home}, {otherID, "code two", other}} {
		tests := []struct {
			rng         string
			status      int
			first, last int64
		}{
			{"", 200, 0, size - 1},
			{"bytes=0-0", 206, 0, 0},
			{"bytes=1023-1025", 206, 1023, 1025},
			{"bytes=1048575-1048576", 206, mib - 1, mib},
			{"bytes=1048576-2097151", 206, mib, 2*mib - 1},
			{"bytes=2097151-", 206, 2*mib - 1, size - 1},
			{"bytes=-1", 206, size - 1, size - 1},
			{"bytes=-1048577", 206, size - mib - 1, size - 1},
			{"bytes=5-99999999", 206, 5, size - 1},
			{"bytes=junk", 200, 0, size - 1},
		}
		for _, tt := range tests {
			resp, body := s.get(t, "GET", links.Download("", file.id, links.Code(file.code)), "Range", tt.rng)
			if resp.StatusCode != tt.status {
				t.Fatalf("message %d Range %q: %d, want %d (%s)", file.id, tt.rng, resp.StatusCode, tt.status, body)
			}
			if !bytes.Equal(body, slice(t, file.content, tt.first, tt.last)) {
				t.Errorf("message %d Range %q: %d bytes, not bytes %d-%d", file.id, tt.rng, len(body), tt.first, tt.last)
			}
			if tt.status == 206 {
				if got, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", tt.first, tt.last, size); got != want {
					t.Errorf("Content-Range %q, want %q", got, want)
				}
			}
		}
	}

	// 416, HEAD and 304 make no getFile call.
	s.fake.ResetCalls()
	resp, _ := s.get(t, "GET", links.Download("", homeID, links.Code("code one")), "Range", fmt.Sprintf("bytes=%d-", size))
	if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
		t.Errorf("416: %d %q", resp.StatusCode, resp.Header.Get("Content-Range"))
	}
	get, _ := s.get(t, "GET", links.Download("", otherID, links.Code("code two")), "Range", "bytes=0-9")
	calls := s.fake.Calls(tg.UploadGetFileRequestTypeID)
	head, body := s.get(t, "HEAD", links.Download("", otherID, links.Code("code two")), "Range", "bytes=0-9")
	if head.StatusCode != 206 || len(body) != 0 {
		t.Errorf("HEAD: %d, %d bytes", head.StatusCode, len(body))
	}
	for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Range", "Content-Length", "ETag", "Last-Modified"} {
		if head.Header.Get(k) != get.Header.Get(k) {
			t.Errorf("%s: HEAD %q, GET %q", k, head.Header.Get(k), get.Header.Get(k))
		}
	}
	etag := get.Header.Get("ETag")
	if etag == "" || get.Header.Get("Last-Modified") == "" {
		t.Fatalf("no validators: %v", get.Header)
	}
	if resp, _ := s.get(t, "GET", links.Download("", otherID, links.Code("code two")), "If-None-Match", etag); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	if n := s.fake.Calls(tg.UploadGetFileRequestTypeID); n != calls {
		t.Errorf("HEAD and 304 made %d getFile calls", n-calls)
	}
	if got, want := get.Header.Get("Content-Disposition"), `attachment; filename="_____ _final_.pdf"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%22final%22.pdf`; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
}

func TestIntegrationStatuses(t *testing.T) {
	s := newSite(t, platform.Profile{Name: "server"})
	id := s.fake.AddMessage("right", &tgfake.Media{Kind: tgfake.KindAudio, Name: "a.mp3", MIMEType: "audio/mpeg", Content: tgfake.Pattern(3, 1000)})
	textID := s.fake.AddMessage("just text", nil)
	flooded := s.fake.AddMessage("right", &tgfake.Media{Kind: tgfake.KindDocument, Name: "b.bin", Content: tgfake.Pattern(4, 1000)})

	tests := []struct {
		path       string
		status     int
		retryAfter string
	}{
		{"/dl/abc?code=x", 400, ""},
		{"/dl/" + strconv.Itoa(id), 401, ""},
		{links.Download("", id, links.Code("wrong")), 403, ""},
		{links.Download("", 9999, links.Code("x")), 404, ""},
		{links.Download("", textID, links.Code("just text")), 404, ""},
		{links.Download("", id, links.Code("right")), 200, ""},
		{"/dl/" + strconv.Itoa(id) + "?code=right=stream", 303, ""},
		{"/stream/" + strconv.Itoa(id) + "?code=right", 200, ""},
		{"/", 200, ""},
		{"/healthz", 200, ""},
	}
	for _, tt := range tests {
		resp, body := s.get(t, "GET", tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d (%s)", tt.path, resp.StatusCode, tt.status, body)
		}
	}

	// A long FLOOD_WAIT on getMessages: 503 with its wait.
	s.fake.FailNext(tg.ChannelsGetMessagesRequestTypeID, tgerr.New(420, "FLOOD_WAIT_120"), 1)
	resp, body := s.get(t, "GET", links.Download("", flooded, links.Code("right")))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "120" {
		t.Errorf("flood wait: %d Retry-After %q (%s)", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestIntegrationCap(t *testing.T) {
	const maxBytes = mib
	s := newSite(t, platform.Profile{Name: "vercel", MaxResponseBytes: maxBytes})
	const size = 3*mib + 1
	content := tgfake.Pattern(5, size)
	id := s.fake.AddMessage("cap", &tgfake.Media{Kind: tgfake.KindVideo, Name: "v.mp4", MIMEType: "video/mp4", Content: content})

	// Download it the way a player or a download manager does: open
	// ranges, each answered with at most the cap.
	var got []byte
	for int64(len(got)) < size {
		resp, body := s.get(t, "GET", links.Download("", id, links.Code("cap")), "Range", fmt.Sprintf("bytes=%d-", len(got)))
		if resp.StatusCode != 206 || len(body) > maxBytes || len(body) == 0 {
			t.Fatalf("slice at %d: %d, %d bytes", len(got), resp.StatusCode, len(body))
		}
		got = append(got, body...)
	}
	if !bytes.Equal(got, slice(t, content, 0, size-1)) {
		t.Error("assembled file differs")
	}
	if resp, body := s.get(t, "GET", links.Download("", id, links.Code("cap"))); resp.StatusCode != 413 || len(body) > 1000 {
		t.Errorf("whole file over the cap: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := s.get(t, "GET", links.Download("", id, links.Code("cap")), "Sec-Fetch-Mode", "navigate"); resp.StatusCode != 303 {
		t.Errorf("navigation over the cap: %d", resp.StatusCode)
	}
}
