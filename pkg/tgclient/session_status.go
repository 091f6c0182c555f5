package tgclient

import (
	"context"
	"time"

	"github.com/filetolink/filetolink/pkg/bottoken"
	"github.com/filetolink/filetolink/pkg/sessions"
)

// statusTimeout bounds the store round trip of SessionStatus: /healthz
// must answer while the store is down.
const statusTimeout = 500 * time.Millisecond

// SessionStatus reports the session source, the pool's figures and the
// last auth error Telegram answered.
func (c *Client) SessionStatus(ctx context.Context) sessions.Report {
	rep := sessions.Report{Bot: bottoken.ID(c.opts.BotToken), Source: "memory"}
	c.mu.Lock()
	r := c.conn
	c.mu.Unlock()
	if r != nil && r.loggedIn() {
		rep.Session = r.source()
	}
	c.authErr.mu.Lock()
	rep.LastAuthError, rep.LastAuthAt = c.authErr.msg, c.authErr.at
	c.authErr.mu.Unlock()
	if p := c.opts.Sessions; p != nil {
		rep.Source = "pool"
		ctx, cancel := context.WithTimeout(ctx, statusTimeout)
		defer cancel()
		st := p.Status(ctx)
		rep.Pool = &st
		if rep.LastAuthError == "" {
			rep.LastAuthError = st.LastAuthErr
		}
	}
	return rep
}
