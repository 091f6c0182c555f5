package web

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

func TestRanges(t *testing.T) {
	data := pattern(sizeSmall)
	size := int64(sizeSmall)
	tests := []struct {
		rng         string
		status      int
		first, last int64 // of the body, for 200 and 206
	}{
		{"", 200, 0, size - 1},
		{"bytes=0-0", 206, 0, 0},
		{"bytes=0-1", 206, 0, 1},
		{"bytes=1023-1025", 206, 1023, 1025},
		{"bytes=1048575-1048576", 206, mib - 1, mib},
		{"bytes=1048576-1048576", 206, mib, mib},
		{"bytes=1048575-1048575", 206, mib - 1, mib - 1},
		{"bytes=1048576-2097151", 206, mib, 2*mib - 1},
		{"bytes=1048575-2097152", 206, mib - 1, 2 * mib},
		{"bytes=2097151-3145728", 206, 2*mib - 1, 3 * mib},
		{"bytes=100-", 206, 100, size - 1},
		{"bytes=3145728-", 206, 3 * mib, size - 1},
		{"bytes=-1", 206, size - 1, size - 1},
		{"bytes=-1048577", 206, size - mib - 1, size - 1},
		{"bytes=-99999999999", 206, 0, size - 1},
		{"bytes=0-99999999999", 206, 0, size - 1},
		{"bytes=0-99999999999999999999999", 206, 0, size - 1},
		{fmt.Sprintf("bytes=%d-%d", size-1, size-1), 206, size - 1, size - 1},
		{fmt.Sprintf("bytes=%d-", size-1), 206, size - 1, size - 1},
		{"Bytes=5-9", 206, 5, 9},
		{"bytes= 5-9 ", 206, 5, 9},
		{"bytes=,5-9,", 206, 5, 9},
		{fmt.Sprintf("bytes=%d-, 5-9", size), 206, 5, 9}, // the unsatisfiable one is dropped
		// Unsatisfiable: 416 with bytes */size.
		{fmt.Sprintf("bytes=%d-", size), 416, 0, 0},
		{fmt.Sprintf("bytes=%d-%d", size, size+10), 416, 0, 0},
		{"bytes=-0", 416, 0, 0},
		{"bytes=99999999999999999999999-", 416, 0, 0},
		// Malformed or foreign: ignored, 200.
		{"bytes=abc", 200, 0, size - 1},
		{"bytes=5-1", 200, 0, size - 1},
		{"bytes=1-2-3", 200, 0, size - 1},
		{"bytes=--1", 200, 0, size - 1},
		{"bytes=+1-2", 200, 0, size - 1},
		{"bytes=1 -2", 200, 0, size - 1},
		{"bytes=", 200, 0, size - 1},
		{"bytes", 200, 0, size - 1},
		{"items=0-5", 200, 0, size - 1},
		{"=0-5", 200, 0, size - 1},
		{"bytes=0x10-20", 200, 0, size - 1},
		{"bytes=" + strings.Repeat("0-0,", maxRanges+1), 200, 0, size - 1},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			e := newEnv(t, Options{})
			w := e.do("GET", dl(1, codeSmall), "Range", tt.rng)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (body %.100q)", w.Code, tt.status, w.Body.String())
			}
			h := w.Header()
			switch tt.status {
			case 416:
				if got := h.Get("Content-Range"); got != fmt.Sprintf("bytes */%d", size) {
					t.Errorf("Content-Range %q", got)
				}
				checkErrorResponse(t, w, "GET")
				if n := len(e.files.openCalls()); n != 0 {
					t.Errorf("%d Open calls for a 416", n)
				}
				return
			case 206:
				if got, want := h.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", tt.first, tt.last, size); got != want {
					t.Errorf("Content-Range %q, want %q", got, want)
				}
			case 200:
				if h.Get("Content-Range") != "" {
					t.Errorf("200 with Content-Range %q", h.Get("Content-Range"))
				}
			}
			want := data[tt.first : tt.last+1]
			if !bytes.Equal(w.Body.Bytes(), want) {
				t.Errorf("body: %d bytes, want %d bytes %d-%d", w.Body.Len(), len(want), tt.first, tt.last)
			}
			if got := h.Get("Content-Length"); got != itoa(len(want)) {
				t.Errorf("Content-Length %q, want %d", got, len(want))
			}
			// Exactly the bytes asked for were fetched: one Open, no over-fetch.
			calls := e.files.openCalls()
			if len(calls) != 1 || calls[0].first != tt.first || calls[0].last != tt.last {
				t.Errorf("Open calls %v, want one of %d-%d", calls, tt.first, tt.last)
			}
			e.checkNoPanics()
		})
	}
}

func TestFileHeaders(t *testing.T) {
	e := newEnv(t, Options{})
	w := e.do("GET", dl(1, codeSmall), "Range", "bytes=0-9")
	want := map[string]string{
		"Content-Type":           "video/mp4",
		"Content-Disposition":    `attachment; filename="clip.mp4"; filename*=UTF-8''clip.mp4`,
		"X-Content-Type-Options": "nosniff",
		"Accept-Ranges":          "bytes",
		"ETag":                   `"v1-3145733"`,
		"Last-Modified":          "Mon, 06 May 2024 07:08:09 GMT",
		"Cache-Control":          fileCacheControl,
		"Content-Length":         "10",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// TestRangesCoalesced: ranges that overlap or touch into one become a
// plain 206; beyond maxHonouredRanges the Range header is ignored.
func TestRangesCoalesced(t *testing.T) {
	data := pattern(sizeSmall)
	for rng, want := range map[string][2]int64{
		"bytes=0-100,50-60":      {0, 100},
		"bytes=10-19,0-9,20-29":  {0, 29},
		"bytes=5-5,5-5,5-5,4-6":  {4, 6},
		"bytes=-10,0-,100-99999": {0, sizeSmall - 1},
	} {
		e := newEnv(t, Options{})
		w := e.do("GET", dl(1, codeSmall), "Range", rng)
		if w.Code != 206 || w.Header().Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", want[0], want[1], sizeSmall) {
			t.Errorf("%s: %d %q", rng, w.Code, w.Header().Get("Content-Range"))
			continue
		}
		if !bytes.Equal(w.Body.Bytes(), data[want[0]:want[1]+1]) {
			t.Errorf("%s: wrong bytes", rng)
		}
		if calls := e.files.openCalls(); len(calls) != 1 {
			t.Errorf("%s: Open calls %v", rng, calls)
		}
	}
	// Many small ranges in many MiB blocks: ignored, the whole file, one
	// Open (what is fetched is what the client reads).
	var many []string
	for i := range maxHonouredRanges + 1 {
		many = append(many, fmt.Sprintf("%d-%d", i*100, i*100+9))
	}
	e := newEnv(t, Options{})
	w := e.do("GET", dl(1, codeSmall), "Range", "bytes="+strings.Join(many, ","))
	if w.Code != 200 || w.Body.Len() != sizeSmall {
		t.Errorf("%d ranges: %d with %d bytes, want the whole file", len(many), w.Code, w.Body.Len())
	}
	if calls := e.files.openCalls(); len(calls) != 1 {
		t.Errorf("%d ranges: Open calls %v", len(many), calls)
	}
}

func TestMultiRange(t *testing.T) {
	data := pattern(sizeSmall)
	tests := []struct {
		rng   string
		parts [][2]int64
	}{
		{"bytes=0-9,20-29", [][2]int64{{0, 9}, {20, 29}}},
		{"bytes=1048575-1048576, -3", [][2]int64{{mib - 1, mib}, {sizeSmall - 3, sizeSmall - 1}}},
		{"bytes=500-,0-0", [][2]int64{{500, sizeSmall - 1}, {0, 0}}},
		// Overlapping and adjacent ranges are coalesced where the first
		// of them stood.
		{"bytes=900-999,0-9,10-19,30-39,5-12", [][2]int64{{900, 999}, {0, 19}, {30, 39}}},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			e := newEnv(t, Options{})
			w := e.do("GET", dl(1, codeSmall), "Range", tt.rng)
			if w.Code != 206 {
				t.Fatalf("status %d", w.Code)
			}
			got := readMultipart(t, w)
			if len(got) != len(tt.parts) {
				t.Fatalf("%d parts, want %d", len(got), len(tt.parts))
			}
			for i, p := range tt.parts {
				if got[i].contentRange != fmt.Sprintf("bytes %d-%d/%d", p[0], p[1], sizeSmall) {
					t.Errorf("part %d Content-Range %q", i, got[i].contentRange)
				}
				if !bytes.Equal(got[i].body, data[p[0]:p[1]+1]) {
					t.Errorf("part %d: wrong bytes", i)
				}
			}
			calls := e.files.openCalls()
			if len(calls) != len(tt.parts) {
				t.Fatalf("Open calls %v", calls)
			}
			for i, p := range tt.parts {
				if calls[i].first != p[0] || calls[i].last != p[1] {
					t.Errorf("Open %d: %v, want %v", i, calls[i], p)
				}
			}
			// multipartSize predicts ServeContent's body exactly.
			ranges, _ := parseRange(tt.rng, sizeSmall)
			ranges = coalesceRanges(ranges)
			if n := multipartSize(ranges, sizeSmall, "video/mp4"); strconv.FormatInt(n, 10) != w.Header().Get("Content-Length") || int(n) != w.Body.Len() {
				t.Errorf("multipartSize %d, Content-Length %s, body %d", n, w.Header().Get("Content-Length"), w.Body.Len())
			}
		})
	}
}

type part struct {
	contentRange string
	body         []byte
}

func readMultipart(t *testing.T, w *httptest.ResponseRecorder) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(w.Header().Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q", w.Header().Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(w.Body.Bytes()), params["boundary"])
	var parts []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part{p.Header.Get("Content-Range"), b})
	}
}

func TestHeadNeverOpens(t *testing.T) {
	for _, rng := range []string{"", "bytes=0-9", "bytes=5-", "bytes=-3", "bytes=0-1,5-6", "bytes=99999999-", "bytes=x"} {
		t.Run(rng, func(t *testing.T) {
			e := newEnv(t, Options{})
			get := e.do("GET", dl(1, codeSmall), "Range", rng)
			opensForGet := len(e.files.openCalls())
			head := e.do("HEAD", dl(1, codeSmall), "Range", rng)
			if n := len(e.files.openCalls()) - opensForGet; n != 0 {
				t.Errorf("HEAD made %d Open calls", n)
			}
			if head.Code != get.Code {
				t.Errorf("HEAD %d, GET %d", head.Code, get.Code)
			}
			if head.Body.Len() != 0 {
				t.Errorf("HEAD body of %d bytes", head.Body.Len())
			}
			sameHeaders(t, head.Header(), get.Header())
		})
	}
}

// sameHeaders compares two responses' headers, but for the boundary of
// a multipart answer (random in each).
func sameHeaders(t *testing.T, a, b http.Header) {
	t.Helper()
	for k := range mergeKeys(a, b) {
		va, vb := a.Get(k), b.Get(k)
		if k == "Content-Type" && strings.HasPrefix(va, "multipart/byteranges") && strings.HasPrefix(vb, "multipart/byteranges") {
			continue
		}
		if va != vb {
			t.Errorf("header %s: HEAD %q, GET %q", k, va, vb)
		}
	}
}

func mergeKeys(hs ...http.Header) map[string]bool {
	keys := map[string]bool{}
	for _, h := range hs {
		for k := range h {
			keys[k] = true
		}
	}
	return keys
}

func TestConditional(t *testing.T) {
	lastMod := "Mon, 06 May 2024 07:08:09 GMT"
	tests := []struct {
		name    string
		headers []string
		status  int
		opens   int
	}{
		{"if-none-match", []string{"If-None-Match", `"v1-3145733"`}, 304, 0},
		{"if-none-match list", []string{"If-None-Match", `"x", "v1-3145733"`}, 304, 0},
		{"if-none-match star", []string{"If-None-Match", `*`}, 304, 0},
		{"if-none-match other", []string{"If-None-Match", `"other"`, "Range", "bytes=0-9"}, 206, 1},
		{"if-none-match with range", []string{"If-None-Match", `"v1-3145733"`, "Range", "bytes=0-9"}, 304, 0},
		{"if-modified-since same", []string{"If-Modified-Since", lastMod}, 304, 0},
		{"if-modified-since earlier", []string{"If-Modified-Since", "Mon, 06 May 2024 07:08:08 GMT", "Range", "bytes=0-9"}, 206, 1},
		{"if-range etag", []string{"If-Range", `"v1-3145733"`, "Range", "bytes=0-9"}, 206, 1},
		{"if-range date", []string{"If-Range", lastMod, "Range", "bytes=0-9"}, 206, 1},
		{"if-range stale etag", []string{"If-Range", `"old"`, "Range", "bytes=0-9"}, 200, 1},
		{"if-range weak etag", []string{"If-Range", `W/"v1-3145733"`, "Range", "bytes=0-9"}, 200, 1},
		{"if-match other", []string{"If-Match", `"old"`}, 412, 0},
		{"if-match same", []string{"If-Match", `"v1-3145733"`, "Range", "bytes=0-9"}, 206, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			w := e.do("GET", dl(1, codeSmall), tt.headers...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if n := len(e.files.openCalls()); n != tt.opens {
				t.Errorf("%d Open calls, want %d", n, tt.opens)
			}
			if w.Code == 304 {
				if w.Body.Len() != 0 || w.Header().Get("ETag") == "" {
					t.Errorf("304 body %d bytes, ETag %q", w.Body.Len(), w.Header().Get("ETag"))
				}
			}
			if w.Code == 412 && w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("412 Cache-Control %q", w.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestZeroByteFile(t *testing.T) {
	for _, rng := range []string{"", "bytes=0-0", "bytes=0-", "bytes=-1", "bytes=5-9"} {
		e := newEnv(t, Options{Profile: capped(mib)})
		for _, method := range []string{"GET", "HEAD"} {
			w := e.do(method, dl(3, codeSmall), "Range", rng)
			if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "0" {
				t.Errorf("%s Range %q: %d, %d bytes, Content-Length %q", method, rng, w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
			}
		}
		if n := len(e.files.openCalls()); n != 0 {
			t.Errorf("Range %q: %d Open calls for an empty file", rng, n)
		}
	}
}

func TestResponseCap(t *testing.T) {
	const maxBytes = mib
	big := pattern(sizeBig)
	size := int64(sizeBig)
	tests := []struct {
		name        string
		headers     []string
		status      int
		first, last int64
	}{
		{"open range", []string{"Range", "bytes=0-"}, 206, 0, maxBytes - 1},
		{"open range mid", []string{"Range", "bytes=1048575-"}, 206, mib - 1, 2*mib - 2},
		{"open range near end", []string{"Range", fmt.Sprintf("bytes=%d-", size-10)}, 206, size - 10, size - 1},
		{"long range", []string{"Range", "bytes=100-3000000"}, 206, 100, 100 + maxBytes - 1},
		{"exact cap", []string{"Range", "bytes=0-1048575"}, 206, 0, maxBytes - 1},
		{"suffix over cap", []string{"Range", "bytes=-2000000"}, 206, size - 2000000, size - 2000000 + maxBytes - 1},
		{"suffix under cap", []string{"Range", "bytes=-1000"}, 206, size - 1000, size - 1},
		{"multi over cap", []string{"Range", "bytes=0-999999,2000000-2999999"}, 206, 0, 999999},
		{"multi overlapping", []string{"Range", "bytes=0-,0-"}, 206, 0, maxBytes - 1},
		{"if-range holds", []string{"Range", "bytes=0-", "If-Range", `"v2-5243003"`}, 206, 0, maxBytes - 1},
		// The whole file is over the cap: never a truncated 200.
		{"no range", nil, 413, 0, 0},
		{"malformed range", []string{"Range", "bytes=zz"}, 413, 0, 0},
		{"foreign unit", []string{"Range", "pages=1-2"}, 413, 0, 0},
		{"stale if-range", []string{"Range", "bytes=0-9", "If-Range", `"old"`}, 413, 0, 0},
		{"navigation", []string{"Sec-Fetch-Mode", "navigate"}, 303, 0, 0},
		{"accept html", []string{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}, 303, 0, 0},
		{"not modified wins", []string{"If-None-Match", `"v2-5243003"`}, 304, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Profile: capped(maxBytes)})
			for _, method := range []string{"GET", "HEAD"} {
				w := e.do(method, dl(2, codeBig), tt.headers...)
				if w.Code != tt.status {
					t.Fatalf("%s: status %d, want %d; body %.200q", method, w.Code, tt.status, w.Body.String())
				}
				if w.Body.Len() > maxBytes {
					t.Fatalf("%s: body of %d bytes over the cap", method, w.Body.Len())
				}
				if n, err := strconv.Atoi(w.Header().Get("Content-Length")); err == nil && n > maxBytes {
					t.Fatalf("%s: Content-Length %d over the cap", method, n)
				}
				switch tt.status {
				case 206:
					if got, want := w.Header().Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", tt.first, tt.last, size); got != want {
						t.Errorf("%s: Content-Range %q, want %q", method, got, want)
					}
					if method == "GET" && !bytes.Equal(w.Body.Bytes(), big[tt.first:tt.last+1]) {
						t.Errorf("wrong bytes")
					}
				case 413:
					checkErrorResponse(t, w, method)
					if method == "GET" {
						body := w.Body.String()
						for _, want := range []string{strconv.Itoa(sizeBig), strconv.Itoa(maxBytes), "curl -r 0-1048575"} {
							if !strings.Contains(body, want) {
								t.Errorf("413 body %q lacks %q", body, want)
							}
						}
						if strings.Contains(body, codeBig) {
							t.Errorf("413 body holds the code")
						}
					}
				case 303:
					if loc := w.Header().Get("Location"); loc != "/stream/2?code=s3cr3t+Big%3B%2B%26%3Dx" {
						t.Errorf("Location %q", loc)
					}
				}
			}
			for _, c := range e.files.openCalls() {
				if c.last-c.first+1 > maxBytes {
					t.Errorf("Open %v fetches over the cap", c)
				}
			}
			if tt.status != 206 && len(e.files.openCalls()) != 0 {
				t.Errorf("Open called for a %d: %v", tt.status, e.files.openCalls())
			}
			e.checkNoPanics()
		})
	}
}

// TestResponseCapSmallFile: a file within the cap is served whole.
func TestResponseCapSmallFile(t *testing.T) {
	e := newEnv(t, Options{Profile: capped(4 * mib)})
	w := e.do("GET", dl(1, codeSmall))
	if w.Code != 200 || w.Body.Len() != sizeSmall {
		t.Fatalf("%d with %d bytes", w.Code, w.Body.Len())
	}
	// Several small ranges fit as multipart.
	w = e.do("GET", dl(1, codeSmall), "Range", "bytes=0-9,100-109")
	if w.Code != 206 || !strings.HasPrefix(w.Header().Get("Content-Type"), "multipart/byteranges") {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
}

// TestCapGate: whatever ServeContent would send, the gate never lets more
// than the cap out.
func TestCapGate(t *testing.T) {
	f := newMemFiles()
	file := f.add(stubFile(1), 5000)
	w := httptest.NewRecorder()
	plan := &rangePlan{size: file.Size, maxBytes: 1000}
	body := newContent(t.Context(), f, file, plan)
	defer body.Close()
	g := &gate{ResponseWriter: w, plan: plan}
	g.Header().Set("Content-Length", "5000")
	g.WriteHeader(200)
	if !plan.refused {
		t.Fatal("a 200 over the cap was not vetoed")
	}
	if n, err := g.Write(make([]byte, 10)); n != 0 || err == nil {
		t.Errorf("vetoed write: %d, %v", n, err)
	}
	if _, err := body.Read(make([]byte, 10)); err == nil {
		t.Error("vetoed body still reads")
	}
	if len(f.openCalls()) != 0 {
		t.Errorf("Open after a veto")
	}

	w = httptest.NewRecorder()
	g = &gate{ResponseWriter: w, plan: &rangePlan{size: file.Size, maxBytes: 1000}}
	g.Header().Set("Content-Length", "1000")
	g.WriteHeader(206)
	if n, err := g.Write(make([]byte, 999)); n != 999 || err != nil {
		t.Fatalf("write within cap: %d %v", n, err)
	}
	if n, err := g.Write(make([]byte, 2)); n != 0 || err == nil {
		t.Errorf("write past cap: %d %v", n, err)
	}
	if w.Body.Len() != 999 || w.Code != 206 {
		t.Errorf("sent %d bytes, status %d", w.Body.Len(), w.Code)
	}
}

func TestSecondsHelpers(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", time.Hour: "3600", -time.Second: "1"} {
		if got := retrySeconds(d); got != want {
			t.Errorf("retrySeconds(%v) = %q, want %q", d, got, want)
		}
	}
}
