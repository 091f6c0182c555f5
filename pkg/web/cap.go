package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
)

// Where a file over the response cap is whole.
//
// A capped deployment (Vercel's classic functions, Lambda BUFFERED, any
// MAX_RESPONSE_BYTES) cannot send a file over its cap in one response. With
// WORKER_BASE_URL set, the Cloudflare Worker (deploy/) can: it fetches the
// slices itself and sends one whole answer. So on such a deployment, for
// files over the cap, the links people copy and the player's Download
// button (links.Save) point at the Worker, and a whole-file request that reaches the
// origin anyway is redirected there (toWorker). Browser navigations keep
// their 303 to the player page, unless the link is the save form.

// isSave reports whether r is for a download link's save form.
func isSave(r *http.Request) bool { return links.IsSave(r.URL.RawQuery) }

// overCap reports whether f is too large for one response here.
func (s *server) overCap(f *stream.File) bool {
	return s.profile.MaxResponseBytes > 0 && f.Size > s.profile.MaxResponseBytes
}

// wholeBase is the base of the links to f that fetch it whole: the Worker
// for a file over the cap when there is one, else base.
func (s *server) wholeBase(f *stream.File, base string) string {
	if s.worker != "" && s.overCap(f) {
		return s.worker
	}
	return base
}

// toWorker answers a whole-file request for a file over the cap with 307
// Temporary Redirect to the same path and query on the Worker, when there
// is one and the request did not come from it (see fromWorker). It reports
// whether it answered.
func (s *server) toWorker(w http.ResponseWriter, r *http.Request) bool {
	if s.worker == "" || s.fromWorker(r) {
		return false
	}
	infoFrom(r.Context()).class = classOverCapWorker
	target := s.worker + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	redirectTo(w, r, http.StatusTemporaryRedirect, target, "this file is larger than one response here; it is served whole at the location given")
	return true
}

// fromWorker reports whether r is the Worker's own request: Cloudflare adds
// CF-Worker to every request a Worker makes, and the Worker names itself in
// X-Forwarded-Host. Redirecting it would loop; it gets the capped answer,
// which it completes. A client that forges either header only gets the
// capped answer (413) itself.
func (s *server) fromWorker(r *http.Request) bool {
	if r.Header.Get("Cf-Worker") != "" {
		return true
	}
	u, err := url.Parse(s.worker)
	if err != nil {
		return false
	}
	for _, v := range r.Header.Values("X-Forwarded-Host") {
		for host := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(host), u.Host) {
				return true
			}
		}
	}
	return false
}
