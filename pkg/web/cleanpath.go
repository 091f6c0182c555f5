package web

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/filetolink/filetolink/pkg/httpresponse"
)

// withCleanPaths answers a request for a path that is not in canonical
// form ("//dl/1", "/dl/../dl/1", "/./") with a redirect to the canonical
// one, as http.ServeMux would, but in this service's style: no cache keeps
// it (the same address may be canonical for another deployment's routes),
// a one-line text/plain body, nosniff.
func withCleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if r.Method == http.MethodConnect || p == "" {
			next.ServeHTTP(w, r)
			return
		}
		clean := cleanPath(p)
		if clean == p {
			next.ServeHTTP(w, r)
			return
		}
		infoFrom(r.Context()).class = classCleanPath
		u := url.URL{Path: clean, RawQuery: r.URL.RawQuery}
		h := w.Header()
		h.Set("Location", u.String())
		httpresponse.SetText(h)
		const body = "this address has a canonical form: see Location\n"
		writeBody(w, r, http.StatusTemporaryRedirect, []byte(body)) // 307 keeps the method, as ServeMux does
	})
}

// cleanPath is ServeMux's canonical path: rooted, no "." or ".." elements,
// no double slashes, a trailing slash kept.
func cleanPath(p string) string {
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}
