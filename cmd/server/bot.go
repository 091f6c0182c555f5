package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/bot"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

// publicBase is the base of links printed or registered here:
// PUBLIC_BASE_URL or the platform's, else (demo, polling on a LAN)
// fallback; "" if there is neither.
func publicBase(cfg config.Config, fallback string) string {
	if b := cfg.Platform.PublicBaseURL; b != "" {
		return b
	}
	return fallback
}

// printLinks is `server -link N`: the links of log-channel message id,
// whose caption is the code, read through the logged-in client.
func printLinks(ctx context.Context, a *app.App, id int, base, worker string, w io.Writer) int {
	if base == "" {
		fmt.Fprintln(os.Stderr, "-link: no public base URL: set PUBLIC_BASE_URL=https://your.host")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// A request waits for the login only so long; a command can wait longer.
	for {
		_, err := a.Telegram.API(ctx)
		if !errors.Is(err, tgclient.ErrNotConnected) || ctx.Err() != nil {
			break
		}
	}
	f, err := a.Files.Resolve(ctx, id)
	switch {
	case errors.Is(err, stream.ErrMessageNotFound):
		fmt.Fprintf(os.Stderr, "-link: message %d is not in the log channel\n", id)
		return 1
	case errors.Is(err, stream.ErrNoMedia):
		fmt.Fprintf(os.Stderr, "-link: message %d has no file\n", id)
		return 1
	case err != nil:
		fmt.Fprintf(os.Stderr, "-link: reading message %d: %v\n", id, err)
		return 1
	case f.Caption == "":
		fmt.Fprintf(os.Stderr, "-link: message %d has no caption: edit it to add one (the caption is the code of its links)\n", id)
		return 1
	}
	fmt.Fprintf(os.Stderr, "message %d: %s, %d bytes, %s\n", id, f.Kind, f.Size, f.MIMEType)
	for _, l := range bot.MakeLinks(base, worker, id, f.Caption, f.Kind).WholeOnWorker(f.Size, a.Profile.MaxResponseBytes).List() {
		fmt.Fprintf(w, "%-14s %s\n", l.Label+":", l.URL)
	}
	return 0
}

// setWebhook is `server -set-webhook`: registers base/telegram with the
// secret and the update types the bot reads.
func setWebhook(ctx context.Context, a *app.App, base string) int {
	if base == "" {
		fmt.Fprintln(os.Stderr, "-set-webhook: no public base URL: set PUBLIC_BASE_URL=https://your.host (Telegram needs HTTPS)")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	url := base + "/telegram"
	if err := a.Bot.SetWebhook(ctx, url); err != nil {
		fmt.Fprintln(os.Stderr, "-set-webhook:", err)
		return 1
	}
	fmt.Printf("webhook set: %s (updates: %v; secret token derived from BOT_TOKEN unless BOT_WEBHOOK_SECRET is set)\n", url, bot.AllowedUpdates)
	return 0
}

// startPolling is `server -bot-poll`: the bot by long polling, alongside
// the HTTP server, until ctx ends; wait blocks until it stopped.
func startPolling(ctx context.Context, a *app.App, base string, logger *slog.Logger) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		logger.Info("bot: long polling", "links_base", base)
		if err := a.Bot.Poll(ctx, base); err != nil {
			logger.Error("bot: polling stopped", "err", err)
		}
	}()
	return func() { <-done }
}

func localBase(port int) string { return "http://localhost:" + strconv.Itoa(port) }
