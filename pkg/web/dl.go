package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/httpresponse"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
)

// handleErrors adapts a handler that returns its failure instead of
// writing it: the one place such handlers' errors are written.
func handleErrors(h func(http.ResponseWriter, *http.Request) *httpError) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if herr := h(w, r); herr != nil {
			writeError(w, r, herr)
		}
	}
}

// serveDownload answers /dl/{id}?code=C: the file's bytes (200, 206, 304,
// 416), or the player page for ?code=C=stream.
func (s *server) serveDownload(w http.ResponseWriter, r *http.Request) *httpError {
	setCORS(w.Header())
	id, g, herr := s.checkLink(r)
	if herr != nil {
		return herr
	}
	if player, ok := g.CutStream(); ok {
		redirect(w, r, links.Player("", id, player))
		return nil
	}
	f, herr := s.resolve(r, id, g)
	if herr != nil {
		return herr
	}
	return s.sendFile(w, r, f, g)
}

// checkRequest is checkLink for handlers that write their own errors.
func (s *server) checkRequest(w http.ResponseWriter, r *http.Request) (id int, g links.Grant, ok bool) {
	id, g, herr := s.checkLink(r)
	if herr != nil {
		writeError(w, r, herr)
		return 0, links.Grant{}, false
	}
	return id, g, true
}

// checkLink runs the checks that need no Telegram call: the id (400),
// this client's failed codes for this message (429), the presence of a
// code (401) and the form of a signed link's expiry and signature (403).
func (s *server) checkLink(r *http.Request) (id int, g links.Grant, herr *httpError) {
	id, herr = checkMessageID(r.PathValue("id"))
	if herr != nil {
		return 0, links.Grant{}, herr
	}
	client := clientKey(r, s.ipHeader)
	if s.limiter != nil {
		if wait, blocked := s.limiter.linkBlocked(client, id); blocked {
			return 0, links.Grant{}, rateLimited(wait)
		}
	}
	g, err := links.FromQuery(r.URL.RawQuery)
	if err != nil {
		if s.limiter != nil {
			s.limiter.wrongCode(client, id)
		}
		return 0, links.Grant{}, linkError(err)
	}
	return id, g, nil
}

func rateLimited(wait time.Duration) *httpError {
	return &httpError{
		status:     http.StatusTooManyRequests,
		reason:     "too many wrong codes from your address; retry later",
		retryAfter: wait,
		class:      classRateLimited,
	}
}

// cachedFiles is a Files that can tell a resolved message without a call
// (*stream.Service).
type cachedFiles interface {
	Cached(id int) (*stream.File, bool)
}

// resolve finds message id and checks that g unlocks it: 404 for no
// message or media, 403 for a wrong code, 400 for media this layer cannot
// serve, 503/504 when Telegram cannot answer. A client over its budget of
// failures (429) is served only a cached message with the right code.
func (s *server) resolve(r *http.Request, id int, g links.Grant) (*stream.File, *httpError) {
	client := clientKey(r, s.ipHeader)
	if s.limiter != nil {
		if wait, blocked := s.limiter.clientBlocked(client); blocked {
			if c, ok := s.files.(cachedFiles); ok {
				if f, ok := c.Cached(id); ok && s.checkGrant(f, g) == nil && checkMedia(f) == nil {
					return f, nil
				}
			}
			s.limiter.miss(client) // keeps a client that goes on guessing locked out
			return nil, rateLimited(wait)
		}
	}
	f, err := s.files.Resolve(r.Context(), id)
	if err == nil && f == nil {
		err = fmt.Errorf("message %d: %w", id, stream.ErrNoMedia)
	}
	if err != nil {
		herr := statusForError(r.Context(), err)
		if herr.status == http.StatusNotFound && s.limiter != nil {
			s.limiter.miss(client)
		}
		return nil, herr
	}
	if herr := s.checkGrant(f, g); herr != nil {
		if s.limiter != nil && herr != errExpired {
			s.limiter.wrongCode(client, id)
		}
		return nil, herr
	}
	if herr := checkMedia(f); herr != nil {
		return nil, herr
	}
	return f, nil
}

// sendFile serves f's bytes with http.ServeContent as planned by
// planRanges (see content.go for why the plan, the body and the gate).
func (s *server) sendFile(w http.ResponseWriter, r *http.Request, f *stream.File, grant links.Grant) *httpError {
	ctype := contentType(f)
	h := w.Header()
	h.Set("Content-Type", ctype) // set, so ServeContent never sniffs (a Read)
	h.Set("Content-Disposition", contentDisposition(fileName(f)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("Cache-Control", s.fileCacheControl(grant))
	if etag := etagFor(f.Version); etag != "" {
		h.Set("ETag", etag)
	}

	plan, rangeHeader := planRanges(r.Header.Get("Range"), f.Size, s.profile.MaxResponseBytes, ctype)
	r = r.Clone(r.Context())
	if rangeHeader != "" {
		r.Header.Set("Range", rangeHeader)
	} else {
		r.Header.Del("Range")
	}

	files := s.files
	if r.Method == http.MethodHead {
		files = nil // HEAD never reads a byte
	} else {
		release, herr := s.slots.acquire(r.Context(), clientKey(r, s.ipHeader))
		if herr != nil {
			return herr
		}
		defer release()
	}
	body := newContent(r.Context(), files, f, plan)
	defer body.Close()
	g := &gate{ResponseWriter: w, plan: plan, head: r.Method == http.MethodHead}
	http.ServeContent(g, r, "", f.Date, body)
	_ = body.Close() // also stops ServeContent's multipart writer, if any
	delivered, err := body.result()

	switch {
	case g.status == http.StatusRequestedRangeNotSatisfiable && !g.committed:
		return errRangeNotSatisfiable(f.Size) // not ServeContent's "invalid range: failed to overlap"
	case plan.isRefused():
		return s.refuseWhole(w, r, f, grant)
	case !g.committed && err != nil && delivered == 0:
		return statusForError(r.Context(), err)
	case !g.committed:
		g.commit()
	case err != nil:
		// The status is out: the short body (less than Content-Length)
		// makes the server cut the connection, so the client sees a
		// transport error, never silently missing bytes.
		info := infoFrom(r.Context())
		info.class, info.err = classBodyBroken, err
	case r.Context().Err() != nil && !g.complete():
		// A client that leaves once it has every byte is not gone early.
		infoFrom(r.Context()).class = classClientGone
	}
	return nil
}

// refuseWhole answers a request for the whole of a file larger than the
// response cap: a browser navigation (not the save form) goes to the player
// page, whose Download button fetches ranges; any other client goes to the
// Worker (see cap.go), or without one gets 413 saying how.
func (s *server) refuseWhole(w http.ResponseWriter, r *http.Request, f *stream.File, g links.Grant) *httpError {
	w.Header().Del("Content-Length")
	if isNavigation(r) && !isSave(r) {
		infoFrom(r.Context()).class = classOverCapRedirect
		redirect(w, r, links.Player("", f.MessageID, g))
		return nil
	}
	if s.toWorker(w, r) {
		return nil
	}
	maxBytes := s.profile.MaxResponseBytes
	return &httpError{
		status: http.StatusRequestEntityTooLarge,
		reason: fmt.Sprintf("file is %d bytes, over this deployment's limit of %d bytes per response; fetch it in ranges of at most that, e.g. curl -r 0-%d '<this URL>', then -r %d-%d, ...",
			f.Size, maxBytes, maxBytes-1, maxBytes, min(2*maxBytes, f.Size)-1),
		class: classOverCap,
	}
}

// isNavigation reports whether a browser asked for r as a page to show.
func isNavigation(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Mode") == "navigate" || strings.Contains(r.Header.Get("Accept"), "text/html")
}

// redirect sends 303 See Other to a relative location, with a one-line
// text/plain body.
func redirect(w http.ResponseWriter, r *http.Request, location string) {
	redirectTo(w, r, http.StatusSeeOther, location, "see the player page")
}

// redirectTo sends status (a 3xx) to location, with msg as a one-line
// text/plain body and none of the file's headers.
func redirectTo(w http.ResponseWriter, r *http.Request, status int, location, msg string) {
	h := w.Header()
	dropFileHeaders(h)
	h.Set("Location", location)
	httpresponse.SetText(h)
	h.Set("Referrer-Policy", "no-referrer")
	writeBody(w, r, status, []byte(msg+"\n"))
}
