package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/filetolink/filetolink/pkg/stream"
)

// checkMessageID parses the {id} path segment: a positive 32-bit integer
// in plain ASCII digits (no sign, no spaces).
func checkMessageID(s string) (int, *httpError) {
	bad := &httpError{status: http.StatusBadRequest, reason: "invalid message id: want a positive 32-bit integer", class: "bad_id"}
	if len(s) > 10 {
		return 0, bad
	}
	n, ok := parseDigits(s)
	if !ok || n < 1 || n > math.MaxInt32 {
		return 0, bad
	}
	return int(n), nil
}

// streamSuffix is what the seed's bot appends to a code to ask for the
// player page: /dl/{id}?code={caption}=stream.
const streamSuffix = "=stream"

// codeFromQuery returns the value of the first "code" parameter of a raw
// query string. Pairs are split on '&' only, so a caption holding ';' still
// works; '+' and %XX are decoded, and a value that does not decode is used
// as it is (the seed's bot does not escape captions).
func codeFromQuery(rawQuery string) string {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		key, value, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err != nil || k != "code" {
			continue
		}
		if v, err := url.QueryUnescape(value); err == nil {
			return v
		}
		return value
	}
	return ""
}

// checkCode reports whether code unlocks f: it equals the caption. Both are
// hashed first so that the comparison takes the same time whatever their
// contents and lengths.
func checkCode(f *stream.File, code string) *httpError {
	got := sha256.Sum256([]byte(code))
	want := sha256.Sum256([]byte(f.Caption))
	if code == "" || f.Caption == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return errWrongCode
	}
	return nil
}

var (
	errMissingCode = &httpError{status: http.StatusUnauthorized, reason: "missing code: add ?code=<the message caption>", class: "no_code"}
	errWrongCode   = &httpError{status: http.StatusForbidden, reason: "wrong code", class: "wrong_code"}
)

// clientKey is the rate-limit key of the client: its IP from ipHeader when
// the platform's proxy sets one (the last X-Forwarded-For entry is the one
// the proxy added; earlier ones are the client's word), else from
// r.RemoteAddr (with or without a port, as Vercel sends it). IPv6 clients
// count by their /64, since one host usually holds the whole prefix.
func clientKey(r *http.Request, ipHeader string) string {
	if ipHeader != "" {
		if addr, ok := headerIP(r.Header.Values(ipHeader), ipHeader == "X-Forwarded-For"); ok {
			return addrKey(addr)
		}
	}
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	return addrKey(addr)
}

// headerIP reads a client address header; for a list (X-Forwarded-For) the
// last entry.
func headerIP(values []string, list bool) (netip.Addr, bool) {
	if len(values) == 0 {
		return netip.Addr{}, false
	}
	v := values[len(values)-1]
	if list {
		if i := strings.LastIndexByte(v, ','); i >= 0 {
			v = v[i+1:]
		}
	}
	v = strings.TrimSpace(v)
	if h, _, err := net.SplitHostPort(v); err == nil {
		v = h
	}
	addr, err := netip.ParseAddr(v)
	return addr, err == nil
}

func addrKey(addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.WithZone("").Prefix(64)
		return p.String()
	}
	return addr.String()
}

// checkMedia rejects a File this layer cannot serve.
func checkMedia(f *stream.File) *httpError {
	if f.Kind == stream.KindUnsupported || f.Size < 0 {
		return &httpError{status: http.StatusBadRequest, reason: "unsupported media", class: "unsupported", err: stream.ErrUnsupportedMedia}
	}
	return nil
}
