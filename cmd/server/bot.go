package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/bot"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
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
		for _, l := range bot.MakeGrantLinks(base, worker, id, g, f.Kind).WholeOnWorker(f.Size, a.Profile.MaxResponseBytes).List() {
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

// webhookFlags are the flags of the webhook commands, which call the Bot
// API only: they need BOT_TOKEN and no Telegram login.
type webhookFlags struct {
	set        bool   // -set-webhook
	printOnly  bool   // -print-webhook-secret
	url        string // -url: the service's public URL, instead of PUBLIC_BASE_URL
	showSecret bool   // -show-secret: the printed curl carries the secret
}

// webhookCommand is `server -set-webhook` and `server -print-webhook-secret`.
func webhookCommand(ctx context.Context, f webhookFlags, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Parse(getenv, config.Webhook)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	b := bot.New(bot.Options{Token: cfg.BotToken, APIURL: cfg.Bot.APIURL, Secret: cfg.Bot.WebhookSecret})
	if f.printOnly {
		fmt.Fprintln(stdout, b.Secret())
		return 0
	}
	base, err := webhookBase(cfg, f.url)
	if err != nil {
		fmt.Fprintln(stderr, "-set-webhook:", err)
		return 2
	}
	hook := base + "/telegram"
	secret := "********"
	if f.showSecret {
		secret = b.Secret()
	}
	by := "The same call by hand"
	if !f.showSecret {
		by += " (secret masked: add -show-secret, or read it with -print-webhook-secret)"
	}
	curl := by + ":\n  " + webhookCurl(cfg.Bot.APIURL, hook, secret) + "\n"
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := b.SetWebhook(ctx, hook); err != nil {
		fmt.Fprintln(stderr, "-set-webhook:", err)
		fmt.Fprint(stderr, curl)
		return 1
	}
	fmt.Fprintf(stdout, "webhook set: %s (updates: %s; secret token: BOT_WEBHOOK_SECRET, else derived from BOT_TOKEN)\n", hook, strings.Join(bot.AllowedUpdates, ", "))
	fmt.Fprint(stdout, curl)
	return 0
}

// webhookBase is the base URL the webhook is registered on: the -url flag,
// else PUBLIC_BASE_URL or the platform's. Telegram posts updates to
// https:// URLs only, so anything else is refused here, with a reason.
func webhookBase(cfg config.Config, flagURL string) (string, error) {
	base := cfg.Platform.PublicBaseURL
	if flagURL != "" {
		var err error
		if base, err = platform.HostBaseURL(flagURL); err != nil {
			return "", fmt.Errorf("-url %w", err)
		}
	}
	switch {
	case base == "":
		return "", errors.New("no public URL: set PUBLIC_BASE_URL=https://your.host or pass -url https://your.host")
	case !strings.HasPrefix(base, "https://"):
		return "", fmt.Errorf("the URL must start with https:// (Telegram posts webhooks over HTTPS only), not %s; no public HTTPS? run `server -bot-poll` instead", base)
	}
	return base, nil
}

// webhookCurl is the Bot API call SetWebhook makes, as a curl command:
// the token stays the shell's $BOT_TOKEN. Every value in the body is
// quote-free (a validated URL, a secret of [A-Za-z0-9_-] or the mask).
func webhookCurl(apiURL, hook, secret string) string {
	if apiURL == "" {
		apiURL = bot.DefaultAPIURL
	}
	body, _ := json.Marshal(map[string]any{"url": hook, "secret_token": secret, "allowed_updates": bot.AllowedUpdates})
	return fmt.Sprintf(`curl -sS "%s/bot$BOT_TOKEN/setWebhook" -H 'Content-Type: application/json' -d '%s'`, strings.TrimRight(apiURL, "/"), body)
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
