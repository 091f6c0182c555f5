package platform

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// baseURLSources are the variables PublicBaseURL reads, first match wins,
// and how each value becomes a URL.
var baseURLSources = []struct {
	name  string
	toURL func(v string) string
}{
	{"PUBLIC_BASE_URL", withScheme},
	{"CUSTOM_DOMAIN", withScheme},
	{"HEROKU_APP_NAME", appHost(".herokuapp.com")},
	{"RENDER_EXTERNAL_URL", withScheme},
	{"RAILWAY_PUBLIC_DOMAIN", withScheme},
	{"RAILWAY_STATIC_URL", withScheme},
	{"FLY_APP_NAME", appHost(".fly.dev")},
	{"VERCEL_PROJECT_PRODUCTION_URL", withScheme},
	{"VERCEL_URL", withScheme},
}

// PublicBaseURL is the "scheme://host[:port]" absolute links start with,
// from the first of these that is set and valid: PUBLIC_BASE_URL (alias
// CUSTOM_DOMAIN; a bare host gets https://), HEROKU_APP_NAME
// (https://NAME.herokuapp.com), RENDER_EXTERNAL_URL, RAILWAY_PUBLIC_DOMAIN,
// RAILWAY_STATIC_URL, FLY_APP_NAME (https://NAME.fly.dev),
// VERCEL_PROJECT_PRODUCTION_URL, VERCEL_URL (hosts without scheme). It is ""
// if none is: links then come from the request.
//
// A valid value has scheme http or https, a host that is a DNS name or an IP
// address, an optional port, and no user, path, query or fragment; a trailing
// slash is dropped and the scheme and host are lowercased. An invalid value
// is skipped.
func PublicBaseURL(getenv func(string) string) string {
	for _, src := range baseURLSources {
		v := strings.TrimSpace(getenv(src.name))
		if v == "" {
			continue
		}
		if u, ok := cleanBaseURL(src.toURL(v)); ok {
			return u
		}
	}
	return ""
}

// withScheme gives a bare host https://.
func withScheme(v string) string {
	if strings.Contains(v, "://") {
		return v
	}
	return "https://" + v
}

// appHost makes https://NAME<suffix> of an app name.
func appHost(suffix string) func(string) string {
	return func(name string) string {
		if !isDNSLabel(name) {
			return ""
		}
		return "https://" + name + suffix
	}
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
	if !validHostPort(u.Host) {
		return "", false
	}
	return scheme + "://" + strings.ToLower(u.Host), true
}

// validHostPort reports whether hp is a DNS name, an IPv4 address or a
// bracketed IPv6 address (no zone), with an optional port 1-65535.
func validHostPort(hp string) bool {
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

// ClientIPHeader names the header in which this platform's proxy puts the
// client's address, for per-client limits: CLIENT_IP_HEADER if set (a
// header name; "none" for none), else Fly.io's Fly-Client-IP, else
// X-Forwarded-For on Heroku, Render and Railway, whose routers append the
// client's address to it. "" (plain server, Vercel, Lambda) means the
// connection's peer address is the client's.
func ClientIPHeader(getenv func(string) string) string {
	if v := strings.TrimSpace(getenv("CLIENT_IP_HEADER")); v != "" {
		if strings.EqualFold(v, "none") || !validHeaderName(v) {
			return ""
		}
		return v
	}
	switch {
	case getenv("FLY_APP_NAME") != "":
		return "Fly-Client-IP"
	case getenv("DYNO") != "", getenv("HEROKU_APP_NAME") != "", getenv("RENDER") != "",
		getenv("RENDER_EXTERNAL_URL") != "", getenv("RAILWAY_ENVIRONMENT") != "", getenv("RAILWAY_PUBLIC_DOMAIN") != "":
		return "X-Forwarded-For"
	}
	return ""
}

func validHeaderName(s string) bool {
	for _, c := range s {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return s != ""
}
