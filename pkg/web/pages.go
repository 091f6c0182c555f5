package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/templates"
)

// serveIndex is the HTML status page: 200 while the service works or is
// still connecting, 503 once its configuration is known to be broken (a
// bot that checks GET / then stops handing out links that fail).
func (s *server) serveIndex(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	health := s.files.Health(r.Context())
	status := http.StatusOK
	if health.Broken {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", retrySeconds(retryUnreachable))
	}
	s.renderStatus(w, r, status, "index.html", base, templates.Index{
		Version:          s.version,
		Platform:         s.profile.Name,
		BaseURL:          base,
		Connected:        s.files.Connected(),
		Health:           health.Class,
		Hint:             health.Hint,
		Broken:           health.Broken,
		MaxResponseBytes: s.profile.MaxResponseBytes,
		WorkerBaseURL:    s.worker,
		Bots:             s.bots(),
		Samples:          s.samples,
		Sessions:         sessionsCard(s.sessionReports(r)),
	})
}

// health is the JSON of /healthz.
type health struct {
	Status    string `json:"status"`
	Version   string `json:"version"`
	Platform  string `json:"platform"`
	Connected bool   `json:"telegramConnected"`
	// Telegram is the health class (stream.Health*), Hint what to do.
	Telegram         string      `json:"telegram"`
	Hint             string      `json:"hint,omitempty"`
	BaseURL          string      `json:"baseURL"`
	MaxResponseBytes int64       `json:"maxResponseBytes"`
	UptimeSeconds    int64       `json:"uptimeSeconds"`
	Goroutines       int         `json:"goroutines"` // for operators and load tests: a leak shows as growth
	Bots             []BotStatus `json:"bots,omitempty"`
	// Sessions is the first bot's (BOT_TOKEN's) session report, as it was
	// before BOT_TOKENS; BotSessions every bot's, the first first, when
	// there are several.
	Sessions    *sessions.Report  `json:"sessions,omitempty"`
	BotSessions []sessions.Report `json:"botSessions,omitempty"`
}

// serveHealth is the status page as JSON: 200 whenever the process is up
// (a platform's liveness check must not restart it for a bad token);
// status "broken" when the configuration is known to be wrong.
func (s *server) serveHealth(w http.ResponseWriter, r *http.Request) {
	hs := s.files.Health(r.Context())
	status := "ok"
	if hs.Broken {
		status = "broken"
	}
	h := health{
		Status:           status,
		Version:          s.version,
		Platform:         s.profile.Name,
		Connected:        s.files.Connected(),
		Telegram:         hs.Class,
		Hint:             hs.Hint,
		BaseURL:          s.baseURL(r),
		MaxResponseBytes: s.profile.MaxResponseBytes,
		UptimeSeconds:    int64(time.Since(s.started).Seconds()),
		Goroutines:       runtime.NumGoroutine(),
		Bots:             s.bots(),
	}
	if reps := s.sessionReports(r); len(reps) > 0 {
		h.Sessions = &reps[0]
		if len(reps) > 1 {
			h.BotSessions = reps
		}
	}
	body, err := json.Marshal(h)
	if err != nil {
		writeError(w, r, &httpError{status: http.StatusInternalServerError, reason: "internal error", class: classJSON, err: err})
		return
	}
	body = append(body, '\n')
	hdr := w.Header()
	setCORS(hdr)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	writeBody(w, r, http.StatusOK, body)
}

// servePlayer answers /stream/{id}?code=C with the player page, after the
// same checks as /dl.
func (s *server) servePlayer(w http.ResponseWriter, r *http.Request) {
	id, g, ok := s.checkRequest(w, r)
	if !ok {
		return
	}
	f, herr := s.resolve(r, id, g)
	if herr != nil {
		writeError(w, r, herr)
		return
	}
	base := s.baseURL(r)
	p := playerData(f, g, base, s.profile.MaxResponseBytes)
	if whole := s.wholeBase(f, base); whole != base {
		p.LinkURL, p.SaveURL, p.ViaWorker = links.Download(whole, f.MessageID, g), links.Save(whole, f.MessageID, g), true
	}
	s.render(w, r, "player.html", base, p)
}

// playerData is what the player page shows of f; links start with base
// ("" for relative links) and carry g.
func playerData(f *stream.File, g links.Grant, base string, maxBytes int64) templates.Player {
	var resolution, duration, expires string
	if g.Signed() {
		expires = g.ExpiresAt().UTC().Format("2006-01-02 15:04 UTC")
	}
	if f.Width > 0 && f.Height > 0 {
		resolution = strconv.Itoa(f.Width) + "×" + strconv.Itoa(f.Height)
	}
	if f.Duration > 0 {
		duration = templates.FormatDuration(f.Duration)
	}
	dl := links.Download(base, f.MessageID, g)
	p := templates.Player{
		Name:             fileName(f),
		Resolution:       resolution,
		Duration:         duration,
		Size:             f.Size,
		SizeText:         templates.FormatBytes(f.Size),
		MIMEType:         contentType(f),
		Media:            mediaFor(f),
		DownloadURL:      dl,
		LinkURL:          dl,
		SaveURL:          dl,
		StreamURL:        links.Player(base, f.MessageID, g),
		ThumbURL:         links.Thumb(base, f.MessageID, g),
		Expires:          expires,
		MaxResponseBytes: maxBytes,
	}
	if p.Sliced() {
		// Only a plain link over the cap is redirected to this page.
		p.SaveURL = links.Save(base, f.MessageID, g)
	}
	return p
}

// render executes page into a buffer (a template error then is a clean
// 500, not half a page) and sends it with the headers every page carries.
func (s *server) render(w http.ResponseWriter, r *http.Request, page, base string, data any) {
	s.renderStatus(w, r, http.StatusOK, page, base, data)
}

// renderStatus is render with another status than 200.
func (s *server) renderStatus(w http.ResponseWriter, r *http.Request, status int, page, base string, data any) {
	var buf bytes.Buffer
	if err := templates.Pages.ExecuteTemplate(&buf, page, data); err != nil {
		writeError(w, r, &httpError{status: http.StatusInternalServerError, reason: "internal error", class: classTemplate, err: err})
		return
	}
	h := w.Header()
	setPageHeaders(h, originOf(base))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	writeBody(w, r, status, buf.Bytes())
}

// pageCSP is the Content-Security-Policy of the HTML pages: scripts and
// styles only from /static/, media and fetches from this origin and the
// download origin dl (when it is known and differs).
func pageCSP(dl string) string {
	self := "'self'"
	if dl != "" {
		self += " " + dl
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src " + self + " data:",
		"media-src " + self,
		"connect-src " + self,
		"worker-src 'self'",
		"manifest-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// Cache lifetimes of /static/ files: a versioned URL (?v=...) never
// changes; an unversioned one is revalidated by ETag after an hour.
const (
	staticVersionedCache = "public, max-age=31536000, immutable"
	staticCache          = "public, max-age=3600"
)

// staticFile is one /static/ asset held in memory.
type staticFile struct {
	data  []byte
	ctype string
	etag  string
}

// staticFiles are the assets of templates.Static, read once.
type staticFiles struct {
	files map[string]staticFile
}

func newStaticFiles() *staticFiles {
	s := &staticFiles{files: make(map[string]staticFile)}
	_ = fs.WalkDir(templates.Static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(templates.Static, name)
		if err != nil {
			return fmt.Errorf("read static %s: %w", name, err)
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(data)
		s.files[name] = staticFile{data: data, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	return s
}

// serveStatic answers /static/{path...} from the embedded assets.
func (s *server) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := s.static.files[r.PathValue("path")]
	if !ok {
		writeError(w, r, &httpError{status: http.StatusNotFound, reason: "not found", class: classRoute})
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Has("v") {
		h.Set("Cache-Control", staticVersionedCache)
	} else {
		h.Set("Cache-Control", staticCache)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
