package app

import (
	"context"
	"sync"

	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/sessions"
)

// noPoolOnServerless is what the log and the status page say on Vercel
// and Lambda without REDIS_URL.
const noPoolOnServerless = "No REDIS_URL: every cold start makes a new Telegram auth key and logs the bot in, " +
	"and Telegram answers frequent logins with FLOOD_WAIT of up to an hour. " +
	"Set REDIS_URL (e.g. Upstash) so that instances share leased sessions; " +
	"TG_SESSION alone is for one instance only."

// openSessions opens the session store when REDIS_URL is set. note is what
// the status page tells the operator.
func openSessions(cfg config.Config, profile platform.Profile, opts Options) (*sessions.Store, string, error) {
	if cfg.Sessions.RedisURL == "" {
		if profile.Serverless() {
			opts.Logger.Warn(noPoolOnServerless)
			return nil, noPoolOnServerless, nil
		}
		return nil, "", nil
	}
	so := sessions.Options{
		URL:         cfg.Sessions.RedisURL,
		LeaseTTL:    cfg.Sessions.LeaseTTL,
		LoginBudget: cfg.Sessions.LoginBudget,
		// Both are secrets the operator keeps already; a new token
		// (BotFather revoke) makes the old sessions unreadable, as they
		// are useless then anyway.
		Secret: []byte(cfg.BotToken + "\x00" + cfg.APIHash),
		Logger: opts.Logger,
	}
	if opts.Sessions != nil {
		opts.Sessions(&so)
	}
	store, err := sessions.Open(so)
	if err != nil {
		return nil, "", err
	}
	return store, "", nil
}

// sessionReporter is the status page's view of the sessions: one report
// per bot, the first first, asked for at once (each may wait on the store).
func sessionReporter(clients []Telegram, note string) func(context.Context) []sessions.Report {
	return func(ctx context.Context) []sessions.Report {
		reps := make([]sessions.Report, len(clients))
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() {
				reps[i] = c.SessionStatus(ctx)
				reps[i].Note = note
			})
		}
		wg.Wait()
		return reps
	}
}
