package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SetWebhook registers url (ending in /telegram) as the bot's webhook,
// with the secret token and AllowedUpdates.
func (b *Bot) SetWebhook(ctx context.Context, url string) error {
	return b.api.call(ctx, "setWebhook", map[string]any{
		"url":             url,
		"secret_token":    b.opts.Secret,
		"allowed_updates": AllowedUpdates,
	}, nil)
}

// pollTimeout is getUpdates' long-poll wait, in seconds.
const pollTimeout = 25

// Poll runs the bot by long polling (getUpdates) until ctx ends: for a
// machine without public HTTPS. It removes a webhook first (Telegram
// refuses getUpdates while one is set). Replies are sent as Bot API calls.
// Links are built on base ("": Options.PublicBaseURL; one is needed).
func (b *Bot) Poll(ctx context.Context, base string) error {
	if base == "" {
		base = b.opts.PublicBaseURL
	}
	if base == "" {
		return errors.New("bot: polling needs a public base URL (PUBLIC_BASE_URL)")
	}
	if err := b.api.call(ctx, "deleteWebhook", map[string]any{}, nil); err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	var offset int64
	backoff := time.Second
	for ctx.Err() == nil {
		var updates []Update
		err := b.api.callTimeout(ctx, callTimeout+pollTimeout*time.Second, "getUpdates", map[string]any{
			"offset": offset, "timeout": pollTimeout, "allowed_updates": AllowedUpdates,
		}, &updates)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := backoff
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
				wait = time.Duration(apiErr.RetryAfter) * time.Second
			}
			b.log.Warn("bot: getUpdates", "err", err, "retry_in", wait)
			if !sleep(ctx, wait) {
				break
			}
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		backoff = time.Second
		for i := range updates {
			u := &updates[i]
			offset = max(offset, u.UpdateID+1)
			out := b.Handle(ctx, u, base)
			b.log.Info("bot: update", "update_id", u.UpdateID, "outcome", out.Note)
			if out.Reply != nil {
				if err := b.api.call(ctx, out.Reply.Method, out.Reply.Params, nil); err != nil {
					b.log.Warn("bot: reply", "update_id", u.UpdateID, "err", err)
				}
			}
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
