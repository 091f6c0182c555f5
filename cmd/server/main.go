// Command server runs FileToLink as a plain HTTP server (Render, Railway,
// Fly.io, Heroku, a VPS, Docker).
//
//	server                  serve with API_ID, API_HASH, BOT_TOKEN, LOG_CHANNEL_ID
//	server -demo            serve sample files from an embedded fake Telegram
//	server -demo -print-env run only the fake Telegram and print the variables that point a process at it
//	server -export-session  log in once and print a TG_SESSION value
//	server -link N          print the links of log-channel message N (its caption is the code)
//	server -link N-M        print the links of messages N to M (at most 20)
//	server -link N -expires 24h  print links that stop working after 24 hours
//	server -set-webhook     register POST /telegram as the link bot's webhook (needs BOT_TOKEN and the https URL only)
//	server -print-webhook-secret  print the webhook's secret token (for Bot API calls by hand)
//	server -bot-poll        serve, and run the link bot by long polling
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/httpresponse"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
	"github.com/filetolink/filetolink/pkg/web"
)

// defaultPort is the port the plain server listens on when PORT is not set.
const defaultPort = 8080

func main() {
	os.Exit(run())
}

func run() int {
	demo := flag.Bool("demo", false, "serve sample files from an embedded fake Telegram (no credentials needed)")
	printEnv := flag.Bool("print-env", false, "with -demo: run only the fake Telegram, print its TG_DC_LIST, TG_PUBLIC_KEYS, ... and wait")
	fixtures := flag.Bool("demo-test-fixtures", false, "with -demo: also post the browser tests' fixtures (a hostile file name, a file on another DC, ...)")
	exportSession := flag.Bool("export-session", false, "log in once, print a TG_SESSION value for serverless cold starts, and exit")
	link := flag.String("link", "", "print the download and stream links of log-channel message `N` (or messages N-M, at most 20) and exit")
	expires := flag.String("expires", "", "with -link: links that expire after this `lifetime` (30m, 24h, 7d, 2w; at most 366d)")
	var hook webhookFlags
	flag.BoolVar(&hook.set, "set-webhook", false, "register PUBLIC_BASE_URL/telegram (or -url's) as the bot's webhook, print the same call as curl, and exit; needs only BOT_TOKEN")
	flag.BoolVar(&hook.printOnly, "print-webhook-secret", false, "print the webhook's secret token (BOT_WEBHOOK_SECRET, else derived from BOT_TOKEN) and exit")
	flag.StringVar(&hook.url, "url", "", "with -set-webhook: the service's public `https://host` (instead of PUBLIC_BASE_URL)")
	flag.BoolVar(&hook.showSecret, "show-secret", false, "with -set-webhook: print the secret token in the curl command instead of a mask")
	botPoll := flag.Bool("bot-poll", false, "also run the link bot by long polling (no public HTTPS needed)")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *printEnv {
		if !*demo {
			fmt.Fprintln(os.Stderr, "-print-env needs -demo")
			return 2
		}
		return runFakeTelegram(ctx, *fixtures, os.Stdout, os.Stderr)
	}
	var d *demoTelegram
	if *demo {
		var err error
		if d, err = startDemo(ctx, *fixtures); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			return 1
		}
		defer d.Close()
	}

	if hook.set || hook.printOnly {
		return webhookCommand(ctx, hook, os.Getenv, os.Stdout, os.Stderr)
	}

	purpose := config.Serve
	if *exportSession {
		purpose = config.ExportSession
	}
	cfg, err := config.Parse(os.Getenv, purpose)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		if len(config.Missing(err)) > 0 && d == nil {
			fmt.Fprintln(os.Stderr, "Set them (see README), or run `server -demo` to try it without Telegram credentials.")
		}
		return 2
	}
	opts := app.Options{Logger: logger}
	if d != nil {
		opts.Samples = d.samples()
	}
	a, err := app.New(cfg, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer a.Close()

	if *exportSession {
		return printSession(ctx, a)
	}
	port := cfg.HTTP.Port
	if port == 0 {
		port = defaultPort
	}
	fallbackBase := ""
	if d != nil {
		fallbackBase = localBase(port)
	}
	switch {
	case *link != "":
		return printLinks(ctx, a, *link, *expires, publicBase(cfg, fallbackBase), cfg.Bot.WorkerBaseURL, os.Stdout)
	}

	handler := a.Handler
	if d != nil {
		handler = d.wrap(handler)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if cfg.Platform.ClientIPHeader == "" {
		// Clients connect directly: one address may hold only so many
		// connections. Behind a proxy all of them are the proxy's.
		ln = web.LimitConnsPerAddr(ln, web.DefaultConnsPerAddr)
	}
	srv := &http.Server{
		// A client that takes no bytes for WriteIdleTimeout is ended (its
		// stream's Telegram calls and buffers with it); WriteTimeout would
		// bound the whole download instead.
		Handler:           web.WriteIdleTimeout(handler, httpresponse.WriteIdleTimeout),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	base := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	logger.Info("listening", "addr", ln.Addr().String(), "platform", a.Profile.Name, "version", app.BuildVersion())
	if d != nil {
		d.printLinks(os.Stdout, base)
		d.printBot(os.Stdout, base, a.Bot.Secret())
	}

	// Log in now so the first request does not pay for it; requests that
	// come first share this login.
	go func() {
		defer func() {
			if v := recover(); v != nil {
				logger.Error("panic warming up; requests will log in", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			}
		}()
		warm, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := a.Telegram.API(warm); err != nil && ctx.Err() == nil {
			logger.Warn("telegram login failed; will retry on the next request", "err", err)
		}
		// Tell the operator at once what the status page would say.
		if h := a.Files.Health(warm); h.Class != stream.HealthOK && h.Class != stream.HealthConnecting && ctx.Err() == nil {
			logger.Error("setup problem", "class", h.Class, "hint", h.Hint)
		}
	}()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if *botPoll {
		pollCtx, stopPoll := context.WithCancel(ctx)
		defer startPolling(pollCtx, a, publicBase(cfg, base), logger)() // runs after stopPoll
		defer stopPoll()
	}
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error("serve", "err", err)
			return 1
		}
	case <-ctx.Done():
		logger.Info("shutting down")
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			logger.Warn("shutdown", "err", err)
			_ = srv.Close()
		}
	}
	return 0
}

func printSession(ctx context.Context, a *app.App) int {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// A login that takes longer than the client's ConnectWait (a slow
	// network, a loaded machine) goes on: wait for it, up to the minute.
	s, err := a.ExportSession(ctx)
	for errors.Is(err, tgclient.ErrNotConnected) && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		s, err = a.ExportSession(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "export session:", err)
		// What to do, if it is the login (the channel plays no part here).
		switch h := a.Files.Health(context.WithoutCancel(ctx)); h.Class {
		case stream.HealthCredentials, stream.HealthBotToken, stream.HealthUnreachable:
			fmt.Fprintln(os.Stderr, h.Class+":", h.Hint)
		}
		return 1
	}
	fmt.Fprintln(os.Stderr, "Set this as TG_SESSION (it is a secret: it logs in as your bot):")
	fmt.Println("TG_SESSION=" + s)
	return 0
}
