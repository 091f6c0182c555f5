package platform

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Why a base URL is refused; they never hold the value.
var (
	ErrBaseURL     = errors.New("must be an absolute http:// or https:// URL of a host, optionally with a port, and nothing after it")
	ErrHostBaseURL = errors.New("must be a host name, or an http:// or https:// URL of a host, optionally with a port")
)

// ParseBaseURL validates an absolute base URL and returns its canonical
// "scheme://host[:port]": scheme http or https, a host that is a DNS name
// or an IP address, an optional port, and no user, path, query or
// fragment; a trailing slash is dropped and the scheme and host are
// lowercased.
func ParseBaseURL(s string) (string, error) {
	if u, ok := cleanBaseURL(s); ok {
		return u, nil
	}
	return "", ErrBaseURL
}

// HostBaseURL is ParseBaseURL for a value that may also be a bare host
// ("files.example.com" means https://files.example.com), as platforms set
// them (VERCEL_URL, RAILWAY_PUBLIC_DOMAIN) and CUSTOM_DOMAIN allows.
func HostBaseURL(v string) (string, error) {
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	if u, ok := cleanBaseURL(v); ok {
		return u, nil
	}
	return "", ErrHostBaseURL
}

// AppBaseURL is https://NAME<suffix> for a platform's app name such as
// HEROKU_APP_NAME (suffix ".herokuapp.com").
func AppBaseURL(name, suffix string) (string, error) {
	if !isDNSLabel(name) {
		return "", ErrBaseURL
	}
	return ParseBaseURL("https://" + name + suffix)
}

// cleanBaseURL validates s and returns its canonical "scheme://host[:port]".
func cleanBaseURL(s string) (string, bool) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	if u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return "", false
	}
	if u.Path != "" && u.Path != "/" {
		return "", false
	}
	if !ValidHostPort(u.Host) {
		return "", false
	}
	return scheme + "://" + strings.ToLower(u.Host), true
}

// ValidHostPort reports whether hp is a plain host[:port]: a DNS name
// (letters, digits, hyphens; labels of 1 to 63 characters not starting or
// ending with a hyphen; at most 253 characters, not digits and dots only),
// an IPv4 address or a bracketed IPv6 address without zone, then optionally
// ':' and a port 1-65535 without leading zeros. Nothing else (userinfo,
// paths, spaces, commas, CR/LF) passes. It is the one host grammar of the
// service: configured base URLs and a request's Host / X-Forwarded-Host.
func ValidHostPort(hp string) bool {
	if hp == "" || len(hp) > 260 {
		return false
	}
	host, port := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return false
		}
		host, port = hp[1:end], hp[end+1:]
		if port != "" {
			p, ok := strings.CutPrefix(port, ":")
			if !ok || !validPort(p) {
				return false
			}
		}
		addr, err := netip.ParseAddr(host)
		return err == nil && addr.Is6() && addr.Zone() == ""
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, port = hp[:i], hp[i+1:]
		if !validPort(port) {
			return false
		}
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Is4()
	}
	return isDNSName(host)
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}

// isDNSName reports whether name is dot-separated DNS labels, at most 253
// characters, and not digits and dots only (a malformed IPv4 address).
func isDNSName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if !isDNSLabel(label) {
			return false
		}
	}
	return strings.Trim(name, "0123456789.") != ""
}

// isDNSLabel reports whether s is 1 to 63 letters, digits and hyphens, not
// starting or ending with a hyphen.
func isDNSLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ClientIPHeaders are the headers a proxy may put the client's address in
// that package web can read: X-Forwarded-For (its last entry, the one the
// nearest proxy appended) and headers holding one address.
var ClientIPHeaders = []string{
	"X-Forwarded-For", "X-Real-Ip", "Fly-Client-Ip", "Cf-Connecting-Ip", "True-Client-Ip", "Fastly-Client-Ip", "X-Client-Ip",
}

// ClientIPHeader returns the canonical form of name if it is one of
// ClientIPHeaders (any case).
func ClientIPHeader(name string) (string, bool) {
	for _, h := range ClientIPHeaders {
		if strings.EqualFold(h, name) {
			return h, true
		}
	}
	return "", false
}
