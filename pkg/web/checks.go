package web

import (
	"errors"
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
		return 0, &httpError{status: http.StatusBadRequest, reason: err.Error(), class: classBadID}
	}
	return id, nil
}

// codeFromQuery is links.CodeFromQuery.
func codeFromQuery(rawQuery string) string { return links.CodeFromQuery(rawQuery) }

// checkCode reports whether code unlocks f (links.Check): nil or 403.
func checkCode(f *stream.File, code string) *httpError {
	return linkError(links.Check(links.Code(code), f.Caption))
}

// checkGrant reports whether g unlocks f (signer.Check): nil, 403, or 410
// for a genuine signed link past its expiry.
func (s *server) checkGrant(f *stream.File, g links.Grant) *httpError {
	return linkError(s.signer.Check(g, f.MessageID, f.Caption))
}

// linkError is the answer to an error of package links: the one place
// that maps them to statuses.
func linkError(err error) *httpError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, links.ErrNoCode):
		return errMissingCode
	case errors.Is(err, links.ErrBadSignature):
		return errBadSignature
	case errors.Is(err, links.ErrExpired):
		return errExpired
	case errors.Is(err, links.ErrBadID):
		return &httpError{status: http.StatusBadRequest, reason: err.Error(), class: classBadID}
	}
	return errWrongCode
}

var (
	errMissingCode = &httpError{status: http.StatusUnauthorized, reason: "missing code: add ?code=<the message caption>", class: classNoCode}
	errWrongCode   = &httpError{status: http.StatusForbidden, reason: "wrong code", class: classWrongCode}
	// A signed link whose expiry or signature was changed, or that was made
	// under another key: 403, never the 410 of a genuine expired link.
	errBadSignature = &httpError{status: http.StatusForbidden, reason: "invalid link signature", class: classBadSignature}
	errExpired      = &httpError{status: http.StatusGone, reason: "this link has expired; ask the sender for a new one", class: classExpired}
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
		return &httpError{status: http.StatusBadRequest, reason: "unsupported media", class: classUnsupported, err: stream.ErrUnsupportedMedia}
	}
	return nil
}
