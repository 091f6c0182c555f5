package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// baseURL is the scheme and host absolute links in pages start with:
// the configured one if any, else one derived from the request, else ""
// (pages then use relative links).
func (s *server) baseURL(r *http.Request) string {
	return BaseURL(s.publicBaseURL, r)
}

// baseURLFromRequest derives "scheme://host" from r. The scheme comes from
// X-Forwarded-Proto only if it is exactly "http" or "https", else from the
// connection. The host comes from X-Forwarded-Host, then Host, whichever
// is first a valid host[:port]; without one the result is "".
func baseURLFromRequest(r *http.Request) string {
	host := ""
	switch {
	case checkForwardedHost(r.Header.Get("X-Forwarded-Host")):
		host = r.Header.Get("X-Forwarded-Host")
	case checkForwardedHost(r.Host):
		host = r.Host
	default:
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	switch p := r.Header.Get("X-Forwarded-Proto"); p {
	case "http", "https":
		scheme = p
	}
	return scheme + "://" + strings.ToLower(host)
}

// checkForwardedHost reports whether s is a plain host[:port]: a DNS name
// (letters, digits, hyphens; labels of 1 to 63 characters not starting or
// ending with a hyphen; at most 253 characters), an IPv4 address or a
// bracketed IPv6 address without zone, then optionally ':' and a port
// 1-65535. Nothing else (userinfo, paths, spaces, commas, CR/LF) passes.
func checkForwardedHost(s string) bool {
	if s == "" || len(s) > 260 {
		return false
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return false
		}
		host, port = s[1:end], s[end+1:]
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return false
		}
		if port != "" {
			if port[0] != ':' {
				return false
			}
			return checkPort(port[1:])
		}
		return true
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
		if !checkPort(port) {
			return false
		}
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Is4()
	}
	return checkDNSName(host)
}

func checkPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

func checkDNSName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	// A name of digits and dots only would be a malformed IPv4 address.
	return strings.Trim(name, "0123456789.") != ""
}

// originOf is the origin ("scheme://host") of an absolute URL, "" if it
// has none.
func originOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
