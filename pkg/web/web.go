// Package web is the HTTP layer: the routes /, /healthz, /stream/{id},
// /dl/{id} and /static/, their checks (message id, code, rate limit), the
// mapping of stream errors to statuses, byte ranges through
// http.ServeContent, the per-deployment response cap, base URLs and page
// rendering. It knows HTTP, not MTProto: bytes come from a Files.
package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/fixedwindow"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/templates"
)

// Options configure the handler New returns.
type Options struct {
	// Files resolves messages and opens their bytes (*stream.Service).
	Files Files
	// Profile is the deployment: its name and limits.
	Profile platform.Profile
	// PublicBaseURL is the configured or platform base URL, such as
	// "https://files.example.com"; "" derives it from each request.
	PublicBaseURL string
	// WorkerBaseURL is the Cloudflare Worker in front (WORKER_BASE_URL),
	// such as "https://files.example.workers.dev"; "" if none. On a capped
	// deployment, files over the cap are linked and redirected there.
	WorkerBaseURL string
	// MaxStreams bounds the /dl bodies sent at once, and one client
	// address to an eighth of them (at least 2); excess requests get 503
	// with Retry-After. 0 means 100.
	MaxStreams int
	// CodeFailuresPerMinute is how many missing or wrong codes one client
	// IP may send per minute before it gets 429; also how many wrong
	// webhook secrets (401s on /telegram). 0 means 30; a negative
	// value turns the limit off.
	CodeFailuresPerMinute int
	// ClientIPHeader names the header in which the platform's proxy puts
	// the client's address ("X-Forwarded-For": its last entry; any other,
	// such as "Fly-Client-IP": its value). "" keys clients by RemoteAddr.
	// Only set it behind a proxy that writes the header: a client can send
	// any header it likes.
	ClientIPHeader string
	// Webhook serves /telegram (the link bot, package bot); nil: 404.
	Webhook http.Handler
	// Version is shown on / and /healthz.
	Version string
	// Bots reports each Telegram bot's state for / and /healthz (nil: not shown).
	Bots func() []BotStatus
	// Samples are files the index page links to (the demo's).
	Samples []Sample
	// Sessions reports the Telegram session of each bot, the first first,
	// for / and /healthz (nil: not shown).
	Sessions func(context.Context) []sessions.Report
	// Signer checks signed (expiring) links and reads their clock; nil
	// refuses every signed link.
	Signer *links.Signer
	// Logger receives one line per request. nil means slog.Default().
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultMaxStreams            = 100
	DefaultCodeFailuresPerMinute = 30
)

// server holds what every request of one handler shares.
type server struct {
	files         Files
	profile       platform.Profile
	publicBaseURL string // configured base URL without a trailing slash, or ""
	worker        string // WorkerBaseURL without a trailing slash, or ""
	slots         *streamSlots
	limiter       *guessLimiter // nil: no limit
	// webhookFailures counts wrong webhook secrets per client (nil: no limit).
	webhookFailures *fixedwindow.Counter[string]
	ipHeader        string
	version         string
	samples         []templates.Sample
	log             *slog.Logger
	static          *staticFiles
	started         time.Time
	botStatus       func() []BotStatus
	sessions        func(context.Context) []sessions.Report
	signer          *links.Signer
}

// New returns the handler serving every route of the service.
func New(o Options) http.Handler {
	if o.MaxStreams <= 0 {
		o.MaxStreams = DefaultMaxStreams
	}
	if o.CodeFailuresPerMinute == 0 {
		o.CodeFailuresPerMinute = DefaultCodeFailuresPerMinute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Files == nil {
		o.Files = noFiles{}
	}
	s := &server{
		files:         o.Files,
		profile:       o.Profile,
		publicBaseURL: strings.TrimRight(o.PublicBaseURL, "/"),
		worker:        strings.TrimRight(o.WorkerBaseURL, "/"),
		slots:         newStreamSlots(o.MaxStreams),
		version:       o.Version,
		samples:       samplesFor(o.Samples),
		log:           o.Logger,
		static:        newStaticFiles(),
		started:       time.Now(),
		botStatus:     o.Bots,
		sessions:      o.Sessions,
		signer:        o.Signer,
	}
	if o.CodeFailuresPerMinute > 0 {
		s.limiter = newGuessLimiter(o.CodeFailuresPerMinute, time.Minute, time.Now)
		s.webhookFailures = fixedwindow.New[string](o.CodeFailuresPerMinute, time.Minute, nil)
	}
	s.ipHeader = http.CanonicalHeaderKey(o.ClientIPHeader)

	mux := http.NewServeMux()
	mux.Handle("/{$}", s.route("/", s.serveIndex))
	mux.Handle("/healthz", s.route("/healthz", s.serveHealth))
	// The link paths are pkg/links's; the pattern is also the route label.
	player, download, thumb := links.PlayerPrefix+"{id}", links.DownloadPrefix+"{id}", links.ThumbPrefix+"{id}"
	mux.Handle(player, s.route(player, s.servePlayer))
	mux.Handle(download, s.route(download, handleErrors(s.serveDownload)))
	mux.Handle(thumb, s.route(thumb, handleErrors(s.serveThumb)))
	mux.Handle("/static/{path...}", s.route("/static/", s.serveStatic))
	if o.Webhook != nil {
		mux.Handle("/telegram", labelled("/telegram", s.withWebhookLimit(o.Webhook)))
	}
	mux.HandleFunc("/", serveNotFound)

	var h http.Handler = withCleanPaths(mux)
	h = withTimeout(h, o.Profile.RequestTimeout)
	h = s.withRecover(h)
	h = withBodyRules(h)
	h = s.withLog(h)
	return h
}

// route labels the request for the log line and answers the methods every
// route shares: GET and HEAD go to h, OPTIONS is a CORS preflight, anything
// else is 405.
func (s *server) route(pattern string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		info.route = pattern
		if id, herr := checkMessageID(r.PathValue("id")); herr == nil {
			info.messageID = id
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h(w, r)
		case http.MethodOptions:
			servePreflight(w, r)
		default:
			w.Header().Set("Allow", allowedMethods)
			writeError(w, r, &httpError{
				status: http.StatusMethodNotAllowed,
				reason: "method not allowed: use GET or HEAD",
				class:  classMethod,
			})
		}
	})
}

const allowedMethods = "GET, HEAD, OPTIONS"

// labelled labels the request for the log line and leaves methods to h.
func labelled(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).route = pattern
		h.ServeHTTP(w, r)
	})
}

// setCORS lets pages on any origin fetch files by range and read the
// headers a download manager needs.
func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Content-Range, Content-Length, Accept-Ranges, Content-Disposition, ETag")
}

// servePreflight answers a CORS preflight with 204.
func servePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setCORS(h)
	h.Set("Access-Control-Allow-Methods", allowedMethods)
	h.Set("Access-Control-Allow-Headers", "Range, If-Range, If-None-Match, If-Modified-Since")
	h.Set("Access-Control-Max-Age", "86400")
	h.Set("Allow", allowedMethods)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// serveNotFound answers every path no route matches, whatever the method.
func serveNotFound(w http.ResponseWriter, r *http.Request) {
	infoFrom(r.Context()).route = "unknown"
	writeError(w, r, &httpError{status: http.StatusNotFound, reason: "not found", class: classRoute})
}

// noFiles stands in for a missing Files: Telegram is not there.
type noFiles struct{}

func (noFiles) Resolve(context.Context, int) (*stream.File, error) {
	return nil, stream.ErrUnavailable
}

func (noFiles) Open(context.Context, *stream.File, int64, int64) (io.ReadCloser, error) {
	return nil, stream.ErrUnavailable
}

func (noFiles) Connected() bool { return false }

func (noFiles) Health(context.Context) stream.Health {
	return stream.Health{Class: stream.HealthUnreachable, Hint: "no Telegram client configured"}
}
