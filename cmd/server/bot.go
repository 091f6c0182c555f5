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
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
	"github.com/filetolink/filetolink/pkg/web"
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

// printLinks is `server -link N` (or N-M, -expires D): the links of
// log-channel messages, whose captions are their codes, read through the
// logged-in client. One message's failure is exit 1; of a range, only
// when no message has links.
func printLinks(ctx context.Context, a *app.App, ids, expires, base, worker string, w io.Writer) int {
	first, last, err := links.ParseIDRange(ids)
	if err != nil {
		fmt.Fprintln(os.Stderr, "-link:", err)
		return 2
	}
	var ttl time.Duration
	if expires != "" {
		if ttl, err = links.ParseTTL(expires); err != nil {
			fmt.Fprintln(os.Stderr, "-expires:", err)
			return 2
		}
		if a.Links == nil {
			fmt.Fprintln(os.Stderr, "-expires: no signing key: set LINK_SIGNING_KEY (or API_HASH)")
			return 2
		}
	}
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
	printed := 0
	for id := first; id <= last; id++ {
		f, err := a.Files.Resolve(ctx, id)
		switch {
		case errors.Is(err, stream.ErrMessageNotFound):
			fmt.Fprintf(os.Stderr, "-link: message %d is not in the log channel\n", id)
			continue
		case errors.Is(err, stream.ErrNoMedia):
			fmt.Fprintf(os.Stderr, "-link: message %d has no file\n", id)
			continue
		case err != nil:
			fmt.Fprintf(os.Stderr, "-link: reading message %d: %v\n", id, err)
			continue
		case f.Caption == "":
			fmt.Fprintf(os.Stderr, "-link: message %d has no caption: edit it to add one (the caption is the code of its links)\n", id)
			continue
		}
		fmt.Fprintf(os.Stderr, "message %d: %s, %d bytes, %s\n", id, f.Kind, f.Size, f.MIMEType)
		if first != last {
			if printed > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "# %d %s (%d bytes)\n", id, web.FileName(f), f.Size)
		}
		g := links.Code(f.Caption)
		if ttl > 0 {
			g = a.Links.SignFor(id, f.Caption, ttl)
		}
		for _, l := range bot.MakeGrantLinks(base, worker, id, g, f.Kind).List() {
			fmt.Fprintf(w, "%-14s %s\n", l.Label+":", l.URL)
		}
		if ttl > 0 {
			fmt.Fprintf(w, "%-14s %s\n", "Expires:", g.ExpiresAt().UTC().Format(time.RFC3339))
		}
		printed++
	}
	if printed == 0 {
		return 1
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
