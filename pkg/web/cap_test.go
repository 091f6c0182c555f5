package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/stream"
)

const testWorker = "https://edge.example.net"

// TestOverCapAnswers: what a whole-file request for a file over the cap
// gets, with and without a Worker: a navigation the player page (303), the
// save form never; any other client the Worker (307, same path and query),
// unless it is the Worker asking (413, which the Worker completes).
func TestOverCapAnswers(t *testing.T) {
	nav := []string{"Sec-Fetch-Mode", "navigate", "Accept", "text/html,*/*;q=0.8"}
	big := dl(2, codeBig)
	tests := []struct {
		name     string
		worker   string
		profile  platform.Profile
		target   string
		headers  []string
		status   int
		location string
	}{
		{"no worker: 413", "", capped(mib), big, nil, 413, ""},
		{"no worker: navigation to the player", "", capped(mib), big, nav, 303, "/stream/2?code=s3cr3t+Big%3B%2B%26%3Dx"},
		{"no worker: the save form is never the page", "", capped(mib), big + "&dl=1", nav, 413, ""},
		{"worker: a client goes there", testWorker + "/", capped(mib), big + "&x=1", nil, 307, testWorker + big + "&x=1"},
		{"worker: stale If-Range is a whole file too", testWorker, capped(mib), big, []string{"Range", "bytes=0-9", "If-Range", `"old"`}, 307, testWorker + big},
		{"worker: navigation to the player", testWorker, capped(mib), big, nav, 303, "/stream/2?code=s3cr3t+Big%3B%2B%26%3Dx"},
		{"worker: the save form goes there", testWorker, capped(mib), big + "&dl=1", nav, 307, testWorker + big + "&dl=1"},
		{"worker: its own request (CF-Worker) is not sent back", testWorker, capped(mib), big, []string{"Cf-Worker", "example.net"}, 413, ""},
		{"worker: its own request (X-Forwarded-Host) is not sent back", testWorker, capped(mib), big, []string{"X-Forwarded-Host", "EDGE.example.net"}, 413, ""},
		{"worker: an open range is a slice here", testWorker, capped(mib), big, []string{"Range", "bytes=0-"}, 206, ""},
		{"worker: a file under the cap is here", testWorker, capped(mib), dl(4, codeSmall), nil, 200, ""},
		{"worker, no cap: whole here", testWorker, platform.Profile{Name: "server"}, big, nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Profile: tt.profile, WorkerBaseURL: tt.worker})
			for _, method := range []string{"GET", "HEAD"} {
				w := e.do(method, tt.target, tt.headers...)
				if w.Code != tt.status {
					t.Fatalf("%s: %d, want %d: %.200q", method, w.Code, tt.status, w.Body.String())
				}
				if loc := w.Header().Get("Location"); loc != tt.location {
					t.Errorf("%s: Location %q, want %q", method, loc, tt.location)
				}
				if tt.status == 307 {
					if cl := w.Header().Get("Content-Length"); method == "GET" && cl != "" && cl == "5243003" {
						t.Errorf("307 carries the file's Content-Length")
					}
					if w.Header().Get("Content-Disposition") != "" || w.Header().Get("ETag") != "" {
						t.Errorf("307 carries file headers: %v", w.Header())
					}
				}
			}
			if tt.status == 307 || tt.status == 413 || tt.status == 303 {
				if n := len(e.files.openCalls()); n != 0 {
					t.Errorf("%d Opens for a %d", n, tt.status)
				}
			}
			e.checkNoPanics()
		})
	}
}

// TestPlayerDownloadButton: the Download button's href is a URL that
// saves the file: the plain link within the cap (never redirected), the
// save form over it, on the Worker when there is one (then the page does
// not slice and the shared link is the Worker's).
func TestPlayerDownloadButton(t *testing.T) {
	const origin = "http://example.com" // the test requests' host
	tests := []struct {
		name     string
		profile  platform.Profile
		worker   string
		id       int
		code     string
		href     string
		link     string
		slicedJS bool
	}{
		{"uncapped", platform.Profile{Name: "server"}, testWorker, 2, codeBig, origin + dl(2, codeBig), origin + dl(2, codeBig), false},
		{"within the cap", capped(4 * mib), testWorker, 4, codeSmall, origin + dl(4, codeSmall), origin + dl(4, codeSmall), false},
		{"over the cap", capped(mib), "", 2, codeBig, origin + dl(2, codeBig) + "&dl=1", origin + dl(2, codeBig), true},
		{"over the cap with a worker", capped(mib), testWorker, 2, codeBig, testWorker + dl(2, codeBig) + "&dl=1", testWorker + dl(2, codeBig), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Profile: tt.profile, WorkerBaseURL: tt.worker})
			w := e.do("GET", links.Player("", tt.id, links.Code(tt.code)))
			if w.Code != 200 {
				t.Fatalf("player: %d", w.Code)
			}
			body := html.UnescapeString(w.Body.String())
			if !strings.Contains(body, `id="download" class="btn primary" href="`+tt.href+`"`) {
				t.Errorf("Download href is not %q:\n%s", tt.href, body)
			}
			if !strings.Contains(body, `id="link-download" type="text" readonly value="`+tt.link+`"`) {
				t.Errorf("shared link is not %q", tt.link)
			}
			if got := strings.Contains(body, "download.js"); got != tt.slicedJS {
				t.Errorf("sliced download script %v, want %v", got, tt.slicedJS)
			}
			// The button's URL as a browser's "Save link as" asks for it
			// (navigation headers) answers no page.
			href := strings.TrimPrefix(strings.TrimPrefix(tt.href, testWorker), origin)
			if tt.worker != "" && strings.HasPrefix(tt.href, testWorker) {
				// The Worker forwards it to the origin, naming itself.
				w = e.do("GET", href, "Accept", "text/html,*/*", "Sec-Fetch-Mode", "navigate", "X-Forwarded-Host", "edge.example.net")
			} else {
				w = e.do("GET", href, "Accept", "text/html,*/*", "Sec-Fetch-Mode", "navigate")
			}
			// A 2xx is the file, a 4xx a failed download (browsers save no
			// error body as a download); a 303 would save the player page.
			ok := w.Code == 200 && w.Header().Get("Content-Disposition") != "" || w.Code == 413 || w.Code == 307
			if !ok || strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") && w.Code < 400 {
				t.Errorf("Save link as on the button: %d %q", w.Code, w.Header().Get("Content-Type"))
			}
		})
	}
}

// TestStatusPageCap: a capped deployment's status page says which tools
// get files over the cap and what to add; with a Worker, where they go.
func TestStatusPageCap(t *testing.T) {
	for _, tt := range []struct {
		name    string
		profile platform.Profile
		worker  string
		want    []string
		absent  []string
	}{
		{"uncapped", platform.Profile{Name: "server"}, "", nil, []string{`id="cap"`}},
		{"capped", capped(4 * mib), "", []string{`id="cap-tools"`, "curl, wget, aria2c", "WORKER_BASE_URL", "vercel.streaming.json", "RESPONSE_STREAM"}, []string{`id="cap-worker"`}},
		{"capped with a worker", capped(4 * mib), testWorker, []string{`id="cap-worker"`, testWorker, "307"}, []string{`id="cap-tools"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Profile: tt.profile, WorkerBaseURL: tt.worker})
			body := e.do("GET", "/").Body.String()
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("status page lacks %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("status page has %q", s)
				}
			}
		})
	}
}

// stallingFiles are memFiles whose bodies give first bytes, then wait for
// their context: Telegram slower than the request's deadline.
type stallingFiles struct {
	*memFiles
	first int
}

func (s stallingFiles) Open(ctx context.Context, f *stream.File, first, last int64) (io.ReadCloser, error) {
	rc, err := s.memFiles.Open(ctx, f, first, last)
	if err != nil {
		return nil, err
	}
	return &stallingReader{ctx: ctx, r: io.LimitReader(rc, int64(s.first)), c: rc}, nil
}

type stallingReader struct {
	ctx context.Context
	r   io.Reader
	c   io.Closer
}

func (s *stallingReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		<-s.ctx.Done()
		return n, fmt.Errorf("telegram read: %w", s.ctx.Err())
	}
	return n, err
}

func (s *stallingReader) Close() error { return s.c.Close() }

// TestStreamingDeadlineCutsTheResponse: on the streaming Vercel profile
// (the plain server behind Vercel's proxy) a request deadline that ends a
// download after its status cuts the connection short of Content-Length:
// the client sees an interrupted transfer and resumes, never a short 200.
func TestStreamingDeadlineCutsTheResponse(t *testing.T) {
	files := newMemFiles()
	files.add(stream.File{MessageID: 2, Caption: codeBig, Name: "big.bin", MIMEType: "application/octet-stream"}, sizeBig)
	log := &tgfake.LogBuffer{}
	h := New(Options{
		Files:   stallingFiles{memFiles: files, first: 100_000},
		Profile: platform.Profile{Name: platform.NameVercelStream, RequestTimeout: 200 * time.Millisecond},
		Logger:  slog.New(slog.NewTextHandler(log, nil)),
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + dl(2, codeBig))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != sizeBig {
		t.Fatalf("%d, Content-Length %d", resp.StatusCode, resp.ContentLength)
	}
	body, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) >= sizeBig {
		t.Errorf("read %d bytes, %v: want an interrupted transfer", len(body), err)
	}
	srv.Close() // waits for the handler, so its log line is out
	if !strings.Contains(log.String(), "error=body_broken") {
		t.Errorf("log does not say the body broke:\n%s", log.String())
	}
}
