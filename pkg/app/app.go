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
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/telegram"
	"github.com/filetolink/filetolink/pkg/web"
)

// Version is the service version shown on the status page; set at build
// time with -ldflags "-X github.com/filetolink/filetolink/pkg/app.Version=…".
var Version = "dev"

// App is one running service.
type App struct {
	// Telegram is the first bot's client (BOT_TOKEN).
	Telegram *telegram.Client
	Files    *stream.Service
	Profile  platform.Profile
	Handler  http.Handler

	closeTelegram func() error
}

// Options adjust New beyond the configuration; tests and the demo use them.
type Options struct {
	// Getenv reads platform variables (default os.Getenv).
	Getenv func(string) string
	// Telegram overrides the client settings derived from cfg (the demo's
	// in-process fake Telegram sets DCList, PublicKeys and Resolver here).
	Telegram func(*telegram.Options)
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
		Rate:            cfg.Capacity.Rate,
		RateBurst:       cfg.Capacity.RateBurst,
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
	client, tgs, statuses := newTelegram(tgOpts, cfg.Capacity.BotTokens)
	files := stream.New(tgs, stream.Options{
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
		Bots:                  botStatus(statuses),
		Logger:                opts.Logger,
	})
	return &App{Telegram: client, Files: files, Profile: profile, Handler: handler, closeTelegram: tgs.Close}, nil
}

// Close stops the Telegram clients.
func (a *App) Close() error { return a.closeTelegram() }

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
