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
				b.send(ctx, u.UpdateID, out.Reply)
			}
		}
	}
	return nil
}

// send makes a reply call. Telegram refuses link buttons it finds invalid
// (a base URL such as http://localhost on a machine without a public
// name): the reply is then sent again without them, the links stay in the
// text.
func (b *Bot) send(ctx context.Context, updateID int64, c *Call) {
	err := b.api.call(ctx, c.Method, c.Params, nil)
	var apiErr *APIError
	if _, hasButtons := c.Params["reply_markup"]; hasButtons && errors.As(err, &apiErr) && apiErr.Code == 400 {
		b.log.Warn("bot: reply refused; sending it without buttons", "update_id", updateID, "err", err)
		params := make(map[string]any, len(c.Params))
		for k, v := range c.Params {
			if k != "reply_markup" {
				params[k] = v
			}
		}
		err = b.api.call(ctx, c.Method, params, nil)
	}
	if err != nil {
		b.log.Warn("bot: reply", "update_id", updateID, "err", err)
	}
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
