package stream

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/filetolink/filetolink/pkg/tgerrclass"
)

// Health classes: what an operator needs to know of the link to Telegram
// and the log channel. Each problem class names one thing to fix.
const (
	// HealthOK: logged in and the log channel answered.
	HealthOK = "ok"
	// HealthConnecting: no answer yet either way (a cold start).
	HealthConnecting = "connecting"
	// HealthUnreachable: Telegram cannot be reached from here.
	HealthUnreachable = "unreachable"
	// HealthCredentials: Telegram refused API_ID / API_HASH.
	HealthCredentials = "credentials"
	// HealthBotToken: Telegram refused BOT_TOKEN (wrong or revoked).
	HealthBotToken = "bot_token"
	// HealthChannelID: Telegram knows no channel LOG_CHANNEL_ID for this bot.
	HealthChannelID = "channel_id"
	// HealthChannelAccess: the bot may not read the log channel (not a
	// member, removed, banned).
	HealthChannelAccess = "channel_access"
)

// Health is what the service knows of its setup. It never holds a secret.
type Health struct {
	// Class is one of the Health* classes.
	Class string
	// Hint says what to do, in one line; "" when all is well.
	Hint string
	// Broken: the configuration is known to be wrong; nothing will work
	// until an operator fixes it.
	Broken bool
}

var healthHints = map[string]Health{
	HealthOK:            {Class: HealthOK},
	HealthConnecting:    {Class: HealthConnecting, Hint: "logging in to Telegram; this page tells once it is done"},
	HealthUnreachable:   {Class: HealthUnreachable, Hint: "this server cannot reach Telegram: check its outbound network (TCP 443), or TG_DC_LIST if set"},
	HealthCredentials:   {Class: HealthCredentials, Broken: true, Hint: "Telegram refused API_ID / API_HASH: copy both again from my.telegram.org (API development tools)"},
	HealthBotToken:      {Class: HealthBotToken, Broken: true, Hint: "Telegram refused BOT_TOKEN (wrong or revoked): set the bot's current token from @BotFather"},
	HealthChannelID:     {Class: HealthChannelID, Broken: true, Hint: "Telegram knows no channel LOG_CHANNEL_ID for this bot: check the id (-100…) and that the bot was added to that channel"},
	HealthChannelAccess: {Class: HealthChannelAccess, Broken: true, Hint: "the bot may not read the log channel (not a member, removed or banned): add it to the channel as an administrator"},
}

// Why the log channel is unreachable when Telegram gives no error code.
var (
	errChannelBanned  = errors.New("the bot is banned from the channel")
	errChannelMissing = errors.New("channel not returned")
)

// healthOf is the setup problem each Telegram error class names.
var healthOf = map[tgerrclass.Class]string{
	tgerrclass.None:           HealthOK,
	tgerrclass.Credentials:    HealthCredentials,
	tgerrclass.TokenRefused:   HealthBotToken,
	tgerrclass.ChannelDenied:  HealthChannelAccess,
	tgerrclass.ChannelUnknown: HealthChannelID,
}

// Diagnose tells what err says of the setup. ok is false when it says
// nothing (a missing message, a flood wait, a busy server, a timeout, a
// rejected key, which the client recovers from by itself).
func Diagnose(err error) (h Health, ok bool) {
	switch {
	case errors.Is(err, errChannelBanned):
		return healthHints[HealthChannelAccess], true
	case errors.Is(err, errChannelMissing):
		return healthHints[HealthChannelID], true
	}
	class, ok := healthOf[tgerrclass.Of(err)]
	if !ok {
		return Health{}, false
	}
	return healthHints[class], true
}

// Freshness of what Health reports, the bound of one probe, and how long
// a login may go unanswered before Telegram counts as unreachable.
const (
	healthFresh      = 15 * time.Second
	probeTimeout     = 2 * time.Second
	unreachableAfter = 10 * time.Second
)

// healthState is the last thing learnt of the setup, by a request or a
// probe.
type healthState struct {
	mu    sync.Mutex
	last  Health
	at    time.Time
	since time.Time  // start of the current run of answerless probes; zero: none
	probe sync.Mutex // one probe at a time; others report the last result
}

func (h *healthState) set(v Health) {
	h.mu.Lock()
	h.last, h.at, h.since = v, time.Now(), time.Time{}
	h.mu.Unlock()
}

func (h *healthState) get() (Health, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last, h.at
}

// noAnswer records a probe that learnt nothing: "connecting" at first,
// "unreachable" once that has lasted unreachableAfter.
func (h *healthState) noAnswer() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if h.since.IsZero() {
		h.since = now
	}
	v := healthHints[HealthConnecting]
	if now.Sub(h.since) >= unreachableAfter {
		v = healthHints[HealthUnreachable]
	}
	h.last, h.at = v, now
	return v
}

// observe records what a request's outcome says of the setup.
func (s *Service) observe(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	if v, ok := Diagnose(err); ok {
		s.health.set(v)
		return
	}
	if errors.Is(err, ErrUnavailable) && !s.tg.connected() {
		s.health.set(healthHints[HealthUnreachable])
	}
}

// Health reports what is known of the setup: from the last request, or,
// if that is older than a few seconds, from a probe bounded by ctx and two
// seconds: the login (cached once done) and one channels.getChannels for
// the log channel, which also shows a revoked token or a bot removed from
// the channel. A probe that gets no answer in time reports "connecting",
// and "unreachable" once nothing has answered for ten seconds; the login
// goes on in the background.
func (s *Service) Health(ctx context.Context) Health {
	last, at := s.health.get()
	stale := at.IsZero() || time.Since(at) > healthFresh ||
		(last.Class == HealthUnreachable || last.Class == HealthConnecting) && s.tg.connected()
	if !stale {
		return last
	}
	if !s.health.probe.TryLock() {
		if at.IsZero() {
			return healthHints[HealthConnecting]
		}
		return last
	}
	defer s.health.probe.Unlock()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	api, err := s.tg.home(ctx)
	if err == nil {
		_, err = s.resolver.lookupChannel(ctx, api)
	}
	if v, ok := Diagnose(err); ok {
		s.health.set(v)
		return v
	}
	if ctx.Err() == nil && !s.tg.connected() {
		// The login failed, and not for a reason Telegram gave.
		v := healthHints[HealthUnreachable]
		s.health.set(v)
		return v
	}
	return s.health.noAnswer()
}
