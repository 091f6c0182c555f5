package web

// Fuzz targets for everything a client controls. Seed corpora run with
// `go test`; to fuzz, one target at a time:
//
//	go test ./pkg/web -run '^$' -fuzz '^FuzzParseRange$' -fuzztime 60s

import (
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"", "bytes=0-0", "bytes=-1", "bytes=5-", "bytes=0-9,20-29", "bytes=1048575-1048576",
		"bytes=-0", "bytes=9999-", "bytes=5-1", "Bytes= 1-2 , ,3-4", "items=1-2", "bytes=--1", "bytes=99999999999999999999-",
		"bytes=0-99999999999999999999", "bytes=" + strings.Repeat("1-2,", 70)} {
		f.Add(s, int64(3*mib+5), int64(mib))
		f.Add(s, int64(0), int64(0))
		f.Add(s, int64(10), int64(3))
	}
	f.Fuzz(func(t *testing.T, header string, size, maxBytes int64) {
		if size < 0 || maxBytes < 0 {
			return
		}
		ranges, err := parseRange(header, size)
		switch {
		case err != nil && ranges != nil:
			t.Fatalf("ranges %v with error %v", ranges, err)
		case err == errUnsatisfiable && size > 0 && !strings.Contains(header, "-"):
			t.Fatalf("unsatisfiable without a range spec: %q", header)
		case err == nil && header != "" && len(ranges) == 0:
			t.Fatalf("no ranges and no error for %q", header)
		case len(ranges) > maxRanges:
			t.Fatalf("%d ranges", len(ranges))
		}
		for _, ra := range ranges {
			if ra.first < 0 || ra.first > ra.last || ra.last >= size {
				t.Fatalf("range %+v outside a file of %d (header %q)", ra, size, header)
			}
		}
		if len(ranges) == 0 {
			return
		}
		// The canonical form parses back to the same ranges.
		again, err := parseRange(formatRange(ranges), size)
		if err != nil || !reflect.DeepEqual(again, ranges) {
			t.Fatalf("round trip of %v: %v, %v", ranges, again, err)
		}
		// Coalesced ranges cover exactly the same bytes, none overlapping
		// or touching another, and start where the first of them did.
		merged := coalesceRanges(ranges)
		if len(merged) == 0 || len(merged) > len(ranges) || merged[0].first > ranges[0].first {
			t.Fatalf("coalesceRanges(%v) = %v", ranges, merged)
		}
		for i, a := range merged {
			for _, b := range merged[i+1:] {
				if a.first <= b.last+1 && b.first <= a.last+1 {
					t.Fatalf("coalesceRanges(%v) = %v: %v and %v overlap or touch", ranges, merged, a, b)
				}
			}
		}
		covered := func(rs []httpRange, pos int64) bool {
			for _, ra := range rs {
				if ra.first <= pos && pos <= ra.last {
					return true
				}
			}
			return false
		}
		for _, ra := range append(ranges, merged...) { // every edge and its neighbours
			for _, pos := range []int64{ra.first - 1, ra.first, ra.last, ra.last + 1} {
				if covered(ranges, pos) != covered(merged, pos) {
					t.Fatalf("coalesceRanges(%v) = %v differs at byte %d", ranges, merged, pos)
				}
			}
		}
		// Sliced ranges fit the cap and start where the client asked.
		sliced := sliceForCap(ranges, size, maxBytes, "video/mp4")
		if len(sliced) == 0 || sliced[0].first != ranges[0].first {
			t.Fatalf("sliceForCap(%v) = %v", ranges, sliced)
		}
		if maxBytes > 0 {
			if len(sliced) == 1 && sliced[0].length() > maxBytes {
				t.Fatalf("slice %v over the cap %d", sliced, maxBytes)
			}
			if len(sliced) > 1 && multipartSize(sliced, size, "video/mp4") > maxBytes {
				t.Fatalf("multipart %v over the cap %d", sliced, maxBytes)
			}
		}
	})
}

// fuzzEnv is one handler for a whole fuzz run, with the code limit off.
func fuzzEnv(f *testing.F, o Options) *env {
	o.CodeFailuresPerMinute = -1
	e := newEnv(f, o)
	// Telegram failures are not the client's doing: leave them out.
	clear(e.files.resolveErr)
	f.Cleanup(func() {
		if strings.Contains(e.log.String(), "panic") {
			f.Errorf("a request reached the panic handler:\n%s", e.log.String())
		}
	})
	return e
}

func serve(e *env, r *http.Request) *httptest.ResponseRecorder {
	r.RemoteAddr = "192.0.2.9:1234"
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func FuzzMessageID(f *testing.F) {
	for _, s := range []string{"1", "2", "0", "-1", "+1", "007", "2147483647", "2147483648", "99999999999999999999", "1/2", "..", "", " ", "1e3", "٣", "\x00"} {
		f.Add(s)
	}
	e := fuzzEnv(f, Options{Profile: capped(mib)})
	f.Fuzz(func(t *testing.T, id string) {
		n, herr := checkMessageID(id)
		if herr == nil && (n < 1 || n > math.MaxInt32 || strings.TrimLeft(id, "0") != strconv.Itoa(n)) {
			t.Fatalf("checkMessageID(%q) = %d", id, n)
		}
		for _, prefix := range []string{"/dl/", "/stream/"} {
			r := httptest.NewRequest("GET", "/", nil)
			r.URL.Path = prefix + id
			r.URL.RawPath = ""
			r.URL.RawQuery = "code=" + url.QueryEscape(codeSmall)
			w := serve(e, r)
			if w.Code >= 500 {
				t.Fatalf("%s%q: %d %q", prefix, id, w.Code, w.Body.String())
			}
			if herr != nil && w.Code < 300 {
				t.Fatalf("%s%q: %d for an invalid id", prefix, id, w.Code)
			}
		}
	})
}

func FuzzCode(f *testing.F) {
	for _, s := range []string{"code=" + codeSmall, "code=" + url.QueryEscape(codeBig), "code=" + codeSmall + "=stream", "code=",
		"code=%zz", "code=a;b", "code=a+b", "x=1&code=2", "code==stream", "code=%00", "code=\r\n", "&&&", "code=a&code=b"} {
		f.Add(s, "")
		f.Add(s, "bytes=0-")
	}
	e := fuzzEnv(f, Options{Profile: capped(mib)})
	f.Fuzz(func(t *testing.T, rawQuery, rng string) {
		code := codeFromQuery(rawQuery)
		for _, path := range []string{"/dl/1", "/dl/2", "/stream/1"} {
			r := httptest.NewRequest("GET", "/", nil)
			r.URL.Path = path
			r.URL.RawQuery = rawQuery
			r.Header.Set("Range", rng)
			w := serve(e, r)
			if w.Code >= 500 {
				t.Fatalf("%s?%q: %d %q", path, rawQuery, w.Code, w.Body.String())
			}
			want := map[int]bool{401: true, 403: true, 303: true}
			if code == codeSmall && path != "/dl/2" || code == codeBig && path == "/dl/2" {
				want = map[int]bool{200: true, 206: true, 413: true, 416: true}
			}
			if !want[w.Code] {
				t.Fatalf("%s?%q (code %q): status %d", path, rawQuery, code, w.Code)
			}
			if w.Code == 303 {
				loc, err := url.Parse(w.Header().Get("Location"))
				if err != nil || loc.IsAbs() || !strings.HasPrefix(loc.Path, "/stream/") {
					t.Fatalf("Location %q", w.Header().Get("Location"))
				}
				if got := codeFromQuery(loc.RawQuery); got == "" {
					t.Fatalf("Location %q lost the code", w.Header().Get("Location"))
				}
			}
			if w.Body.Len() > mib {
				t.Fatalf("body of %d bytes over the cap", w.Body.Len())
			}
		}
	})
}

func FuzzDispositionName(f *testing.F) {
	for _, s := range []string{"clip.mp4", "Привет.mkv", `a"b\c;d`, "<script>", "x\r\ny", "\xff\xfe", "%41", "", "...", strings.Repeat("ж", 300)} {
		f.Add(s)
	}
	f.Fuzz(checkDispositionFuzz)
}

func checkDispositionFuzz(t *testing.T, name string) {
	header := contentDisposition(name)
	for i := 0; i < len(header); i++ {
		if c := header[i]; c < 0x20 || c >= 0x7f {
			t.Fatalf("byte %#x in %q", c, header)
		}
	}
	disp, params, err := mime.ParseMediaType(header)
	if err != nil || disp != "attachment" {
		t.Fatalf("ParseMediaType(%q): %v", header, err)
	}
	if got, want := params["filename"], cleanName(name); got != want {
		t.Fatalf("filename* decodes to %q, want %q", got, want)
	}
	if strings.Count(header, `"`) != 2 {
		t.Fatalf("quotes in %q", header)
	}
	// The header survives a real response.
	w := httptest.NewRecorder()
	w.Header().Set("Content-Disposition", header)
	if w.Result().Header.Get("Content-Disposition") != header {
		t.Fatal("header changed")
	}
}

func FuzzForwardedHost(f *testing.F) {
	for _, s := range []string{"files.example.com", "a:8080", "[::1]:443", "u@h", "h/p", "h\r\nX: y", "1.2.3.4", "[fe80::1%eth0]", "a..b", "-a", ""} {
		f.Add(s, "https", "")
	}
	f.Add("", "http", "host.example")
	f.Fuzz(func(t *testing.T, fwdHost, proto, host string) {
		if checkForwardedHost(fwdHost) {
			u, err := url.Parse("http://" + fwdHost + "/")
			if err != nil || u.User != nil || u.Path != "/" || !strings.EqualFold(u.Host, fwdHost) || u.RawQuery != "" || u.Fragment != "" {
				t.Fatalf("accepted %q: %+v %v", fwdHost, u, err)
			}
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		r.Header.Set("X-Forwarded-Host", fwdHost)
		r.Header.Set("X-Forwarded-Proto", proto)
		base := baseURLFromRequest(r)
		if base == "" {
			return
		}
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" {
			t.Fatalf("base %q from host %q, forwarded %q %q", base, host, fwdHost, proto)
		}
		if strings.ContainsAny(base, " \r\n\"'<>\\") {
			t.Fatalf("base %q", base)
		}
	})
}
