package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/filetolink/filetolink/pkg/platform"
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

// checkForwardedHost reports whether s is a plain host[:port] in the one
// host grammar of the service (platform.ValidHostPort).
func checkForwardedHost(s string) bool { return platform.ValidHostPort(s) }

// originOf is the origin ("scheme://host") of an absolute URL, "" if it
// has none.
func originOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
