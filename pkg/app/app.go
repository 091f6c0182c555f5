// Package app wires the layers together: configuration → Telegram client →
// stream core → HTTP layer. Every entry point (plain server, Vercel
// functions, Lambda) serves the same http.Handler built here.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/gotd/td/telegram"

	"github.com/filetolink/filetolink/pkg/bot"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/httpresponse"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
	"github.com/filetolink/filetolink/pkg/web"
)

// Telegram is what the service needs of a bot's Telegram client: the
// core's RPCs (stream.Telegram), its figures for the status page, a session
// to export, and Close. *tgclient.Client is the one a deployment runs;
// tests inject one in memory (Options.NewTelegram).
type Telegram interface {
	stream.Telegram
	Status() tgclient.Status
	SessionStatus(ctx context.Context) sessions.Report
	ExportSession(ctx context.Context) ([]byte, error)
	Close() error
}

// App is one running service.
type App struct {
	// Telegram is the first bot's client (BOT_TOKEN).
	Telegram Telegram
	// Sessions is the session store (REDIS_URL); nil without one.
	Sessions *sessions.Store
	Files    *stream.Service
	Profile  platform.Profile
	Bot      *bot.Bot // the link bot, served at POST /telegram
	Handler  http.Handler
	// Links signs and checks expiring links (nil without a signing secret).
	Links *links.Signer

	closeTelegram func() error
}

// Options adjust New beyond the configuration; tests and the demo use them.
type Options struct {
	// Telegram overrides the client settings derived from cfg (tests point
	// the client at the fake Telegram here: DCList, PublicKeys, Resolver;
	// the demo sets the environment, as a deployment does).
	Telegram func(*tgclient.Options)
	// Sessions overrides the session store settings derived from cfg
	// (tests give each simulated host its own dialer).
	Sessions func(*sessions.Options)
	// NewTelegram builds the bot's client from its settings (nil:
	// tgclient.New). With BOT_TOKENS the fleet builds tgclient clients
	// and this is not used.
	NewTelegram func(tgclient.Options) Telegram
	Logger      *slog.Logger
	// Samples are files the index page links to (the demo's).
	Samples []web.Sample
}

// New builds the service from a configuration. It starts nothing: the
// Telegram client logs in on first use.
func New(cfg config.Config, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	profile := platform.Detect(cfg.Platform)
	tgOpts := tgclient.Options{
		APIID:           cfg.APIID,
		APIHash:         cfg.APIHash,
		BotToken:        cfg.BotToken,
		DC:              cfg.DC,
		DCList:          tgclient.DCList(dcAddrs(cfg.DCList), cfg.TestDC),
		Session:         cfg.Session,
		ConnsPerDC:      cfg.Tuning.ConnsPerDC,
		InFlightPerConn: cfg.Tuning.InFlightPerConn,
		RPCTimeout:      cfg.Tuning.RPCTimeout,
		FloodWaitBudget: cfg.Tuning.FloodWaitBudget,
		Rate:            cfg.Capacity.Rate,
		RateBurst:       cfg.Capacity.RateBurst,
		Logger:          opts.Logger,
	}
	for _, k := range cfg.PublicKeys {
		tgOpts.PublicKeys = append(tgOpts.PublicKeys, telegram.PublicKey{RSA: k})
	}
	if opts.Telegram != nil {
		opts.Telegram(&tgOpts)
	}
	store, sessionNote, err := openSessions(cfg, profile, opts)
	if err != nil {
		return nil, err
	}
	botPools, err := sessionPools(store, tgOpts, cfg.Capacity.BotTokens)
	if err != nil {
		if store != nil {
			_ = store.Close()
		}
		return nil, err
	}
	clients, tgs, statuses := newTelegram(tgOpts, cfg.Capacity.BotTokens, botPools, opts.NewTelegram)
	files := stream.New(tgs, stream.Options{
		ChannelID:    cfg.ChannelID,
		Window:       cfg.Tuning.Window,
		BufferBudget: cfg.Tuning.BufferBudget,
		CacheTTL:     cfg.Tuning.CacheTTL,
		CacheSize:    cfg.Tuning.CacheSize,
	})
	signer := links.NewSigner(cfg.LinkSigningSecret(), nil)
	linkBot := newBot(cfg, profile, files, signer, cfg.Platform.PublicBaseURL, botPools[firstToken(tgOpts.BotToken, cfg.Capacity.BotTokens)], opts.Logger)
	handler := web.New(web.Options{
		Webhook:               linkBot,
		Files:                 files,
		Profile:               profile,
		PublicBaseURL:         cfg.Platform.PublicBaseURL,
		WorkerBaseURL:         cfg.Bot.WorkerBaseURL,
		MaxStreams:            cfg.HTTP.MaxStreams,
		CodeFailuresPerMinute: cfg.HTTP.CodeFailuresPerMinute,
		ClientIPHeader:        cfg.Platform.ClientIPHeader,
		Version:               BuildVersion(),
		Samples:               opts.Samples,
		Bots:                  botStatus(statuses),
		Sessions:              sessionReporter(clients, sessionNote),
		Signer:                signer,
		Logger:                opts.Logger,
	})
	return &App{Telegram: clients[0], Sessions: store, Files: files, Profile: profile, Bot: linkBot, Handler: handler, Links: signer, closeTelegram: tgs.Close}, nil
}

// Close stops the Telegram clients (handing their sessions back to the
// pool) and closes the session store.
func (a *App) Close() error {
	err := a.closeTelegram()
	if a.Sessions != nil {
		_ = a.Sessions.Close()
	}
	return err
}

// ExportSession logs in and returns a TG_SESSION value.
func (a *App) ExportSession(ctx context.Context) (string, error) {
	data, err := a.Telegram.ExportSession(ctx)
	if err != nil {
		return "", err
	}
	return config.EncodeSession(data), nil
}

func dcAddrs(list []config.DCAddr) []tgclient.DCAddr {
	out := make([]tgclient.DCAddr, len(list))
	for i, a := range list {
		out[i] = tgclient.DCAddr{ID: a.ID, Host: a.Host, Port: a.Port}
	}
	return out
}

var (
	processMu  sync.Mutex
	processApp = map[platform.Runtime]*serverless{}
)

type serverless struct {
	handler http.Handler
	profile platform.Profile
}

// Serverless is the process-wide service of an entry point that runs on
// the platform rt (platform.Vercel for functions/, platform.Lambda for
// functions/lambda), built from the environment on first call, and its
// profile, decided once per process: what the entry serves and what its
// adapter follows. It never blocks on Telegram. A configuration problem is
// answered with 503 and the names of the bad variables (never their
// values) on every route; the profile is then decided from what parsed.
func Serverless(rt platform.Runtime) (http.Handler, platform.Profile) {
	processMu.Lock()
	defer processMu.Unlock()
	s := processApp[rt]
	if s == nil {
		s = &serverless{}
		s.handler, s.profile = fromEnv(os.Getenv, rt, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
		processApp[rt] = s
	}
	return s.handler, s.profile
}

// fromEnv builds the service of an entry on rt from the variables getenv
// reads.
func fromEnv(getenv func(string) string, rt platform.Runtime, logger *slog.Logger) (http.Handler, platform.Profile) {
	cfg, err := config.Parse(getenv, config.Serve)
	cfg.Platform = cfg.Platform.On(rt)
	if err == nil {
		var a *App
		if a, err = New(cfg, Options{Logger: logger}); err == nil {
			return a.Handler, a.Profile // New decided the profile
		}
	}
	logger.Error("service not configured", "err", err)
	return misconfigured(err), platform.Detect(cfg.Platform)
}

func misconfigured(err error) http.Handler {
	msg := "service not configured: " + strings.ReplaceAll(strings.TrimPrefix(err.Error(), "invalid configuration: "), "\n", "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		httpresponse.WriteText(w, r, http.StatusServiceUnavailable, msg)
	})
}
