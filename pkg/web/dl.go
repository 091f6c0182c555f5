package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/stream"
)

// streamWait is how long a download waits for a free stream slot before
// it is turned away with 503.
const streamWait = 250 * time.Millisecond

// serveDownload answers /dl/{id}?code=C: the file's bytes (200, 206, 304,
// 416), or the player page for ?code=C=stream.
func (s *server) serveDownload(w http.ResponseWriter, r *http.Request) {
	setCORS(w.Header())
	id, code, ok := s.checkRequest(w, r)
	if !ok {
		return
	}
	if c, ok := strings.CutSuffix(code, streamSuffix); ok && c != "" {
		redirect(w, r, playerPath(id, c))
		return
	}
	f, herr := s.resolve(r, id, code)
	if herr != nil {
		writeError(w, r, herr)
		return
	}
	s.sendFile(w, r, f, code)
}

// checkRequest runs the checks that need no Telegram call: the id (400),
// the client's failed codes (429) and the presence of a code (401).
func (s *server) checkRequest(w http.ResponseWriter, r *http.Request) (id int, code string, ok bool) {
	id, herr := checkMessageID(r.PathValue("id"))
	if herr != nil {
		writeError(w, r, herr)
		return 0, "", false
	}
	if s.limiter != nil {
		if wait, blocked := s.limiter.blocked(clientKey(r, s.ipHeader)); blocked {
			writeError(w, r, &httpError{
				status:     http.StatusTooManyRequests,
				reason:     "too many wrong codes from your address; retry later",
				retryAfter: wait,
				class:      "rate_limited",
			})
			return 0, "", false
		}
	}
	code = codeFromQuery(r.URL.RawQuery)
	if code == "" || code == streamSuffix {
		s.countFailure(r)
		writeError(w, r, errMissingCode)
		return 0, "", false
	}
	return id, code, true
}

// resolve finds message id and checks that code unlocks it: 404 for no
// message or media, 403 for a wrong code, 400 for media this layer cannot
// serve, 503/504 when Telegram cannot answer.
func (s *server) resolve(r *http.Request, id int, code string) (*stream.File, *httpError) {
	f, err := s.files.Resolve(r.Context(), id)
	if err == nil && f == nil {
		err = fmt.Errorf("message %d: %w", id, stream.ErrNoMedia)
	}
	if err != nil {
		return nil, statusForError(r.Context(), err)
	}
	if herr := checkCode(f, code); herr != nil {
		s.countFailure(r)
		return nil, herr
	}
	if herr := checkMedia(f); herr != nil {
		return nil, herr
	}
	return f, nil
}

func (s *server) countFailure(r *http.Request) {
	if s.limiter != nil {
		s.limiter.fail(clientKey(r, s.ipHeader))
	}
}

// sendFile serves f's bytes with http.ServeContent, which handles the
// validators and conditional requests. Before it, the Range header is
// parsed here (to know what to fetch and to fit the response cap) and
// handed to ServeContent in a canonical form both agree on.
func (s *server) sendFile(w http.ResponseWriter, r *http.Request, f *stream.File, code string) {
	ctype := contentType(f)
	h := w.Header()
	h.Set("Content-Type", ctype) // set, so ServeContent never sniffs (a Read)
	h.Set("Content-Disposition", contentDisposition(fileName(f)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("Cache-Control", fileCacheControl)
	if etag := etagFor(f.Version); etag != "" {
		h.Set("ETag", etag)
	}

	maxBytes := s.profile.MaxResponseBytes
	ranges, err := parseRange(r.Header.Get("Range"), f.Size)
	r = r.Clone(r.Context())
	switch {
	case errors.Is(err, errUnsatisfiable) && f.Size > 0:
		r.Header.Set("Range", "bytes="+strconv.FormatInt(f.Size, 10)+"-") // ServeContent's 416
	case len(ranges) > 0:
		ranges = sliceForCap(ranges, f.Size, maxBytes, ctype)
		r.Header.Set("Range", formatRange(ranges))
	default: // none, malformed, foreign unit, or an empty file: the whole file
		ranges = nil
		r.Header.Del("Range")
	}

	files := s.files
	if r.Method == http.MethodHead {
		files = nil // HEAD never reads a byte
	} else {
		release, ok := s.acquireStream(r.Context())
		if !ok {
			writeError(w, r, &httpError{status: http.StatusServiceUnavailable, reason: "too many downloads at once; retry shortly", retryAfter: retryBusy, class: "streams_full"})
			return
		}
		defer release()
	}
	body := newContent(r.Context(), files, f, ranges)
	defer body.Close()
	g := &gate{ResponseWriter: w, maxBytes: maxBytes, body: body, head: r.Method == http.MethodHead}
	http.ServeContent(g, r, "", f.Date, body)
	_ = body.Close() // also stops ServeContent's multipart writer, if any
	delivered, err := body.result()

	switch {
	case g.status == http.StatusRequestedRangeNotSatisfiable && !g.committed:
		writeError(w, r, errRangeNotSatisfiable(f.Size)) // not ServeContent's "invalid range: failed to overlap"
	case g.vetoed:
		s.refuseWhole(w, r, f, code)
	case !g.committed && err != nil && delivered == 0:
		writeError(w, r, statusForError(r.Context(), err))
	case !g.committed:
		g.commit()
	case err != nil:
		// The status is out: the short body (less than Content-Length)
		// makes the server cut the connection, so the client sees a
		// transport error, never silently missing bytes.
		info := infoFrom(r.Context())
		info.class, info.err = "body_broken", err
	case r.Context().Err() != nil:
		infoFrom(r.Context()).class = "client_gone"
	}
}

// refuseWhole answers a request for the whole of a file larger than the
// response cap: a browser navigation goes to the player page, whose
// Download button fetches ranges; any other client gets 413 saying how.
func (s *server) refuseWhole(w http.ResponseWriter, r *http.Request, f *stream.File, code string) {
	h := w.Header()
	h.Del("Content-Length")
	if isNavigation(r) {
		infoFrom(r.Context()).class = "over_cap_redirect"
		redirect(w, r, playerPath(f.MessageID, code))
		return
	}
	maxBytes := s.profile.MaxResponseBytes
	writeError(w, r, &httpError{
		status: http.StatusRequestEntityTooLarge,
		reason: fmt.Sprintf("file is %d bytes, over this deployment's limit of %d bytes per response; fetch it in ranges of at most that, e.g. curl -r 0-%d '<this URL>', then -r %d-%d, ...",
			f.Size, maxBytes, maxBytes-1, maxBytes, min(2*maxBytes, f.Size)-1),
		class: "over_cap",
	})
}

// isNavigation reports whether a browser asked for r as a page to show.
func isNavigation(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Mode") == "navigate" || strings.Contains(r.Header.Get("Accept"), "text/html")
}

// playerPath is the relative link to the player page of message id.
func playerPath(id int, code string) string {
	return "/stream/" + strconv.Itoa(id) + "?code=" + url.QueryEscape(code)
}

// redirect sends 303 See Other to a relative location, with a one-line
// text/plain body.
func redirect(w http.ResponseWriter, r *http.Request, location string) {
	h := w.Header()
	for _, k := range []string{"Content-Disposition", "Content-Range", "ETag", "Last-Modified", "Accept-Ranges", "Content-Security-Policy"} {
		h.Del(k)
	}
	h.Set("Location", location)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	const body = "see the player page\n"
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusSeeOther)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// acquireStream takes one of MaxStreams slots, waiting at most streamWait.
func (s *server) acquireStream(ctx context.Context) (release func(), ok bool) {
	release = func() { <-s.streams }
	select {
	case s.streams <- struct{}{}:
		return release, true
	default:
	}
	t := time.NewTimer(streamWait)
	defer t.Stop()
	select {
	case s.streams <- struct{}{}:
		return release, true
	case <-t.C:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
}

var errOverCap = errors.New("web: response over the cap")

// gate stands between ServeContent and the client. It holds the status
// back until the first body byte, so that a failure to open the bytes can
// still become a proper error status; it tells the content when
// ServeContent chose the whole file over the ranges (so nothing is fetched
// in pieces); it vetoes a 200 or 206 whose Content-Length exceeds the cap
// (nothing is sent, and the body is never opened); and it refuses any byte
// beyond the cap, come what may.
type gate struct {
	http.ResponseWriter
	maxBytes int64 // 0: no cap
	body     *content
	head     bool // a HEAD: no body byte goes out

	status    int
	committed bool
	vetoed    bool
	written   int64
}

func (g *gate) WriteHeader(code int) {
	if g.committed || g.status != 0 {
		return
	}
	g.status = code
	if code == http.StatusOK {
		g.body.whole()
	}
	if g.maxBytes > 0 && (code == http.StatusOK || code == http.StatusPartialContent) {
		n, err := strconv.ParseInt(g.Header().Get("Content-Length"), 10, 64)
		if err != nil || n > g.maxBytes {
			g.vetoed = true
			g.body.forbid()
		}
	}
}

func (g *gate) Write(p []byte) (int, error) {
	if g.vetoed {
		return 0, errOverCap
	}
	if g.status == http.StatusRequestedRangeNotSatisfiable && !g.committed {
		return len(p), nil // ServeContent's text; sendFile answers with its own
	}
	if !g.committed {
		g.commit()
	}
	if g.head {
		return len(p), nil // net/http drops it too; other adapters may not
	}
	if g.maxBytes > 0 && g.written+int64(len(p)) > g.maxBytes {
		return 0, errOverCap
	}
	n, err := g.ResponseWriter.Write(p)
	g.written += int64(n)
	return n, err
}

// commit sends the held status; error statuses are never cached and carry
// no file headers.
func (g *gate) commit() {
	g.committed = true
	if g.status == 0 {
		g.status = http.StatusOK
	}
	if g.status >= 400 {
		h := g.Header()
		h.Set("Cache-Control", "no-store")
		h.Del("Content-Disposition")
	}
	g.ResponseWriter.WriteHeader(g.status)
}

func (g *gate) Unwrap() http.ResponseWriter { return g.ResponseWriter }
