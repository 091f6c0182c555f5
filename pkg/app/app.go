// Package app wires the layers together: configuration → Telegram client →
// stream core → HTTP layer. Every entry point (plain server, Vercel
// functions, Lambda) serves the same http.Handler built here.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/sessions"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/telegram"
	"github.com/filetolink/filetolink/pkg/web"
)

// Version is the service version shown on the status page; set at build
// time with -ldflags "-X github.com/filetolink/filetolink/pkg/app.Version=…".
var Version = "dev"

// App is one running service.
type App struct {
	Telegram *telegram.Client
	// Sessions is the session store (REDIS_URL); nil without one.
	Sessions *sessions.Store
	Files    *stream.Service
	Profile  platform.Profile
	Handler  http.Handler
}

// Options adjust New beyond the configuration; tests and the demo use them.
type Options struct {
	// Getenv reads platform variables (default os.Getenv).
	Getenv func(string) string
	// Telegram overrides the client settings derived from cfg (the demo's
	// in-process fake Telegram sets DCList, PublicKeys and Resolver here).
	Telegram func(*telegram.Options)
	// Sessions overrides the session store settings derived from cfg
	// (tests give each simulated host its own dialer).
	Sessions func(*sessions.Options)
	Logger   *slog.Logger
}

// New builds the service from a configuration. It starts nothing: the
// Telegram client logs in on first use.
func New(cfg config.Config, opts Options) (*App, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	profile, err := platform.Detect(opts.Getenv)
	if err != nil {
		return nil, err
	}
	tgOpts := telegram.Options{
		APIID:           cfg.APIID,
		APIHash:         cfg.APIHash,
		BotToken:        cfg.BotToken,
		DC:              cfg.DC,
		DCList:          telegram.DCList(dcAddrs(cfg.DCList), cfg.TestDC),
		Session:         cfg.Session,
		ConnsPerDC:      cfg.Tuning.ConnsPerDC,
		RPCTimeout:      cfg.Tuning.RPCTimeout,
		FloodWaitBudget: cfg.Tuning.FloodWaitBudget,
		Logger:          opts.Logger,
	}
	if len(cfg.PublicKeysPEM) > 0 {
		keys, err := telegram.ParsePublicKeys(cfg.PublicKeysPEM)
		if err != nil {
			return nil, fmt.Errorf("TG_PUBLIC_KEYS: %w", err)
		}
		tgOpts.PublicKeys = keys
	}
	if opts.Telegram != nil {
		opts.Telegram(&tgOpts)
	}
	store, sessionNote, err := openSessions(cfg, profile, opts)
	if err != nil {
		return nil, err
	}
	if store != nil {
		pool, err := store.Pool(botID(cfg.BotToken), nil)
		if err != nil {
			_ = store.Close()
			return nil, err
		}
		tgOpts.Sessions = pool
	}
	client := telegram.New(tgOpts)
	files := stream.New(client, stream.Options{
		ChannelID:    cfg.ChannelID,
		Window:       cfg.Tuning.Window,
		BufferBudget: cfg.Tuning.BufferBudget,
		CacheTTL:     cfg.Tuning.CacheTTL,
		CacheSize:    cfg.Tuning.CacheSize,
	})
	handler := web.New(web.Options{
		Files:                 files,
		Profile:               profile,
		PublicBaseURL:         platform.PublicBaseURL(opts.Getenv),
		MaxStreams:            cfg.HTTP.MaxStreams,
		CodeFailuresPerMinute: cfg.HTTP.CodeFailuresPerMinute,
		ClientIPHeader:        platform.ClientIPHeader(opts.Getenv),
		Version:               Version,
		Sessions:              sessionReporter(client, sessionNote),
		Logger:                opts.Logger,
	})
	return &App{Telegram: client, Sessions: store, Files: files, Profile: profile, Handler: handler}, nil
}

// Close stops the Telegram client (handing its session back to the pool)
// and closes the session store.
func (a *App) Close() error {
	err := a.Telegram.Close()
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

func dcAddrs(list []config.DCAddr) []telegram.DCAddr {
	out := make([]telegram.DCAddr, len(list))
	for i, a := range list {
		out[i] = telegram.DCAddr{ID: a.ID, Host: a.Host, Port: a.Port}
	}
	return out
}

var (
	processOnce    sync.Once
	processHandler http.Handler
)

// Handler is the process-wide service built from the environment on first
// call: what the Vercel functions and the Lambda entry serve. It never
// blocks on Telegram. A configuration problem is answered with 503 and the
// names of the bad variables (never their values) on every route.
func Handler() http.Handler {
	processOnce.Do(func() {
		logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
		cfg, err := config.FromEnv()
		var a *App
		if err == nil {
			a, err = New(cfg, Options{Logger: logger})
		}
		if err != nil {
			logger.Error("service not configured", "err", err)
			processHandler = misconfigured(err)
			return
		}
		processHandler = a.Handler
	})
	return processHandler
}

func misconfigured(err error) http.Handler {
	msg := "service not configured: " + strings.TrimPrefix(err.Error(), "invalid configuration: ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, msg)
	})
}
