package sessions

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Pool is the sessions of one bot.
type Pool struct {
	store  *Store
	bot    string
	prefix string
	seal   *sealer

	// local is the login budget of this process alone, spent when the
	// store cannot be reached.
	local struct {
		sync.Mutex
		budget int
		times  []time.Time
	}
	lastErr struct {
		sync.Mutex
		msg string
		at  time.Time
	}
}

func (p *Pool) key(suffix string) string { return p.prefix + suffix }

// Bot is the bot id the pool belongs to.
func (p *Pool) Bot() string { return p.bot }

func (p *Pool) newLease(id, token string, data []byte, newLogin bool) *Lease {
	return &Lease{pool: p, id: id, token: token, data: data, NewLogin: newLogin, saved: !newLogin,
		lostCh: make(chan struct{})}
}

// Acquire leases a session: prefer (the id this instance held before) if
// it is free, else any free session; else, if the login budget allows, a
// new id for a login (Lease.NewLogin); else it waits up to Options.Wait
// for a lease to come free and fails with *UnavailableError. A session
// that does not decrypt (another bot token) is removed.
//
// When the store cannot be reached, the lease is a Local one for a login
// within this process's own budget, or the error is *UnavailableError.
func (p *Pool) Acquire(ctx context.Context, prefer string) (*Lease, error) {
	o := p.store.opts
	waitUntil := time.Now().Add(o.Wait)
	var refusal *UnavailableError
	for attempt := 0; ; attempt++ {
		l, quiet, stored, err := p.tryAcquire(ctx, prefer)
		if err != nil {
			return p.storeFailed(ctx, err)
		}
		if l != nil {
			return l, nil
		}
		// A session in its quiet period will be free soon: wait for it
		// rather than spend a login.
		if quiet < 0 || time.Until(waitUntil) < quiet {
			if refusal == nil {
				l, refusal, err = p.grantLogin(ctx)
				if err != nil {
					return p.storeFailed(ctx, err)
				}
				if l != nil {
					return l, nil
				}
				if stored == 0 {
					return nil, refusal // nothing will come free
				}
			}
		}
		step := 100 * time.Millisecond
		if quiet >= 0 {
			step = min(max(quiet, 10*time.Millisecond), 500*time.Millisecond)
		}
		left := time.Until(waitUntil)
		if left <= 0 {
			if refusal == nil {
				refusal = &UnavailableError{Reason: "all sessions are in use", Wait: time.Second}
			}
			return nil, refusal
		}
		t := time.NewTimer(min(step, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// tryAcquire runs acquireScript once. quiet is how long until a session in
// its quiet period frees (-1: none).
func (p *Pool) tryAcquire(ctx context.Context, prefer string) (l *Lease, quiet time.Duration, stored int, err error) {
	o := p.store.opts
	for {
		sent := time.Now()
		raw, err := p.runSlice(ctx, "acquire", acquireScript, []string{p.key("ids")},
			p.prefix, p.store.instance, prefer, o.LeaseTTL.Milliseconds())
		if err != nil {
			return nil, -1, 0, err
		}
		res, err := decodeAcquire(raw)
		if err != nil {
			return nil, -1, 0, err
		}
		if id := res.id; id != "" {
			l := p.newLease(id, res.token, nil, false)
			data, derr := p.seal.open(p.key("s:"+id), []byte(res.blob))
			if derr != nil {
				// Sealed under another secret: useless to anyone now.
				o.Logger.Warn("removing a stored session that does not decrypt", "session", id)
				_ = l.Remove(ctx)
				continue
			}
			l.data = data
			l.extend(sent)
			l.startRenew()
			return l, -1, 0, nil
		}
		return nil, res.quiet, res.stored, nil
	}
}

// grantLogin asks the shared budget for one login.
func (p *Pool) grantLogin(ctx context.Context) (*Lease, *UnavailableError, error) {
	o := p.store.opts
	id := newID()
	sent := time.Now()
	raw, err := p.runSlice(ctx, "login budget", grantLoginScript, []string{p.key("ids")},
		p.prefix, p.store.instance, o.LoginBudget, o.LeaseTTL.Milliseconds(), LoginWindow.Milliseconds(), id)
	if err != nil {
		return nil, nil, err
	}
	res, err := decodeGrant(raw)
	if err != nil {
		return nil, nil, err
	}
	wait := res.wait
	switch res.outcome {
	case "ok":
		l := p.newLease(id, res.token, nil, true)
		l.extend(sent)
		l.startRenew()
		return l, nil, nil
	case "blocked":
		return nil, &UnavailableError{
			Reason: "all sessions are in use and Telegram blocks logins (" + BlockText(res.code) + ") for " + roundUp(wait).String(),
			Wait:   min(wait, o.LeaseTTL),
		}, nil
	default:
		return nil, &UnavailableError{
			Reason: fmt.Sprintf("all sessions are in use and the login budget (%d per hour) is spent", o.LoginBudget),
			Wait:   min(wait, o.LeaseTTL),
		}, nil
	}
}

// storeFailed is Acquire's answer when a store call failed with err: the
// caller's own cancellation, else a local login.
func (p *Pool) storeFailed(ctx context.Context, err error) (*Lease, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return p.localLogin(err)
}

// localLogin is the answer when the store is unreachable: a session of
// this process only, if its own budget allows.
func (p *Pool) localLogin(cause error) (*Lease, error) {
	p.local.Lock()
	defer p.local.Unlock()
	now := time.Now()
	kept := p.local.times[:0]
	for _, t := range p.local.times {
		if now.Sub(t) < LoginWindow {
			kept = append(kept, t)
		}
	}
	p.local.times = kept
	if len(kept) >= p.local.budget {
		return nil, &UnavailableError{
			Reason: "session store unreachable and this instance's login budget is spent",
			Wait:   kept[0].Add(LoginWindow).Sub(now),
			Err:    cause,
		}
	}
	p.local.times = append(p.local.times, now)
	p.store.opts.Logger.Warn("session store unreachable: logging in without it", "err", cause)
	return &Lease{pool: p, id: "local-" + newID(), NewLogin: true, local: true, lostCh: make(chan struct{})}, nil
}

// BlockLogins records a FLOOD_WAIT on login so that no instance tries
// again before it ends. code says why (BlockFloodWait); the store keeps
// only the code.
func (p *Pool) BlockLogins(ctx context.Context, wait time.Duration, code string) error {
	p.local.Lock()
	// The process's own budget counts it as spent, too.
	for len(p.local.times) < p.local.budget {
		p.local.times = append(p.local.times, time.Now().Add(wait-LoginWindow))
	}
	p.local.Unlock()
	return p.run(ctx, "block logins", blockScript, []string{p.key("block")}, code, max(wait.Milliseconds(), 1)).Err()
}

// RecordAuthError keeps the last auth error, a Telegram error type such as
// AUTH_KEY_UNREGISTERED (kept as its AuthErrorCode), for the status page
// of every instance.
func (p *Pool) RecordAuthError(ctx context.Context, msg string) {
	code := AuthErrorCode(msg)
	p.lastErr.Lock()
	p.lastErr.msg, p.lastErr.at = code, time.Now()
	p.lastErr.Unlock()
	ctx, cancel := context.WithTimeout(ctx, p.store.opts.OpTimeout)
	defer cancel()
	_ = p.store.rdb.Set(ctx, p.key("autherr"), code, 24*time.Hour).Err()
}

// Seed stores data (a session exported with TG_SESSION) in the pool, once
// per distinct seed: later starts with the same TG_SESSION do not add it
// again, even after it was removed for a rejected key.
func (p *Pool) Seed(ctx context.Context, data []byte) (bool, error) {
	mac := hmac.New(sha256.New, []byte(p.prefix+"seed"))
	mac.Write(data)
	digest := hex.EncodeToString(mac.Sum(nil))
	// The digest is keyed with the sealing key's inputs only through the
	// blob below; on its own it does not reveal the session.
	id := "seed-" + digest[:12]
	name := p.key("s:" + id)
	n, err := p.runInt(ctx, "seed", seedScript, []string{p.key("seed"), name, p.key("ids")},
		digest, p.seal.seal(name, data), id)
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// Status is what the status page shows of the pool. No secret.
type Status struct {
	Stored      int       `json:"stored"`
	Leased      int       `json:"leased"`
	Logins      int       `json:"loginsLastHour"`
	LoginBudget int       `json:"loginBudget"`
	BlockedFor  int64     `json:"loginBlockedSeconds,omitempty"`
	BlockedTill time.Time `json:"loginBlockedUntil,omitzero"`
	BlockReason string    `json:"loginBlockReason,omitempty"` // BlockText of the stored code
	LastAuthErr string    `json:"lastAuthError,omitempty"`    // AuthErrorText of the stored code
	Reachable   bool      `json:"storeReachable"`
	LeaseTTL    string    `json:"leaseTTL"`
	StoreError  string    `json:"storeError,omitempty"`
}

// Status reads the pool's figures (one round trip).
func (p *Pool) Status(ctx context.Context) Status {
	o := p.store.opts
	st := Status{LoginBudget: o.LoginBudget, LeaseTTL: o.LeaseTTL.String()}
	ctx, cancel := context.WithTimeout(ctx, o.OpTimeout)
	defer cancel()
	raw, err := p.runSlice(ctx, "status", statusScript, nil, p.prefix, LoginWindow.Milliseconds())
	var res statusReply
	if err == nil {
		res, err = decodeStatus(raw)
	}
	if err != nil {
		st.StoreError = storeErrorText(err)
		p.lastErr.Lock()
		if p.lastErr.msg != "" {
			st.LastAuthErr = AuthErrorText(p.lastErr.msg)
		}
		p.lastErr.Unlock()
		return st
	}
	st.Reachable = true
	st.Stored, st.Leased, st.Logins = res.stored, res.leased, res.logins
	if d := res.blocked; d > 0 {
		st.BlockedFor = int64(roundUp(d) / time.Second)
		st.BlockedTill = time.Now().Add(d).UTC().Truncate(time.Second)
		st.BlockReason = BlockText(res.blockCode)
	}
	if res.authCode != "" {
		st.LastAuthErr = AuthErrorText(res.authCode)
	}
	return st
}

// storeErrorText is what a status line says of a failed store call: the
// class of failure, never the store's own words.
func storeErrorText(err error) string {
	switch {
	case errors.Is(err, errMalformed):
		return "malformed reply"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	// run's errors are "<ErrStoreUnreachable>: <op>: <scrub's words>".
	if rest, ok := strings.CutPrefix(err.Error(), ErrStoreUnreachable.Error()+": "); ok {
		if _, words, ok := strings.Cut(rest, ": "); ok {
			return words
		}
	}
	return "connection failed"
}

func roundUp(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Report is what the status page and /healthz show of an instance's
// Telegram session: where it comes from and, with a pool, the pool's
// figures. No secret.
type Report struct {
	// Bot is the bot whose session this is: its user id (public, the
	// digits before the colon of its token; 0 if unknown).
	Bot int64 `json:"bot,omitempty"`
	// Source is "memory" (one session per process) or "pool" (REDIS_URL).
	Source string `json:"source"`
	// Note says what the operator should know (e.g. every cold start logs in).
	Note string `json:"note,omitempty"`
	// Session is where this instance's current session came from.
	Session       string    `json:"session,omitempty"`
	LastAuthError string    `json:"lastAuthError,omitempty"`
	LastAuthAt    time.Time `json:"lastAuthErrorAt,omitzero"`
	Pool          *Status   `json:"pool,omitempty"`
}
