// Command server runs FileToLink as a plain HTTP server (Render, Railway,
// Fly.io, Heroku, a VPS, Docker).
//
//	server                  serve with API_ID, API_HASH, BOT_TOKEN, LOG_CHANNEL_ID
//	server -demo            serve sample files from an embedded fake Telegram
//	server -demo -print-env run only the fake Telegram and print the variables that point a process at it
//	server -export-session  log in once and print a TG_SESSION value
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
	"syscall"
	"time"

	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/stream"
)

// defaultPort is the port the plain server listens on when PORT is not set.
const defaultPort = 8080

func main() {
	os.Exit(run())
}

func run() int {
	demo := flag.Bool("demo", false, "serve sample files from an embedded fake Telegram (no credentials needed)")
	printEnv := flag.Bool("print-env", false, "with -demo: run only the fake Telegram, print its TG_DC_LIST, TG_PUBLIC_KEYS, ... and wait")
	exportSession := flag.Bool("export-session", false, "log in once, print a TG_SESSION value for serverless cold starts, and exit")
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
		return runFakeTelegram(ctx, os.Stdout, os.Stderr)
	}
	var d *demoTelegram
	if *demo {
		var err error
		if d, err = startDemo(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			return 1
		}
		defer d.Close()
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
	a, err := app.New(cfg, app.Options{Logger: logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer a.Close()

	if *exportSession {
		return printSession(ctx, a)
	}

	handler := a.Handler
	if d != nil {
		handler = d.wrap(handler)
	}
	port := cfg.HTTP.Port
	if port == 0 {
		port = defaultPort
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	base := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	logger.Info("listening", "addr", ln.Addr().String(), "platform", a.Profile.Name, "version", app.BuildVersion())
	if d != nil {
		d.printLinks(os.Stdout, base)
	}

	// Log in now so the first request does not pay for it; requests that
	// come first share this login.
	go func() {
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
	s, err := a.ExportSession(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "export session:", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "Set this as TG_SESSION (it is a secret: it logs in as your bot):")
	fmt.Println("TG_SESSION=" + s)
	return 0
}
