package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
)

// checkMessageID parses the {id} path segment (links.ParseID): 400 for
// anything but a positive 32-bit integer.
func checkMessageID(s string) (int, *httpError) {
	id, err := links.ParseID(s)
	if err != nil {
		return 0, &httpError{status: http.StatusBadRequest, reason: err.Error(), class: "bad_id"}
	}
	return id, nil
}

// streamSuffix is links.StreamSuffix, for this package's tests.
const streamSuffix = links.StreamSuffix

// codeFromQuery is links.CodeFromQuery.
func codeFromQuery(rawQuery string) string { return links.CodeFromQuery(rawQuery) }

// checkCode reports whether code unlocks f (links.Check): nil or 403.
func checkCode(f *stream.File, code string) *httpError {
	return checkGrant(f, links.Code(code))
}

// checkGrant reports whether g unlocks f: nil or 403.
func checkGrant(f *stream.File, g links.Grant) *httpError {
	if links.Check(g, f.Caption) != nil {
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
