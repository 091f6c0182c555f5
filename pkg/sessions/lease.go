package sessions

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Lease is an instance's exclusive right to use one session. While Valid
// reports true, no other instance may hold it; once it reports false the
// holder must send nothing on the session's key until Revalidate succeeds.
//
// Validity is tracked locally from the moment each successful acquire or
// renewal was sent, for LeaseTTL minus a gap (Gap). Both the monotonic
// and the wall clock must agree that it is still valid: a paused VM whose
// monotonic clock stood still while the world moved on is caught by the
// wall clock, a wall-clock step by the monotonic one. Because the local
// deadline ends Gap before the store's, a key changes hands only after at
// least Gap of silence.
type Lease struct {
	pool  *Pool
	id    string
	token string
	data  []byte
	// NewLogin: the session does not exist yet; the holder logs in and
	// stores it with Save.
	NewLogin bool
	// local: the store was unreachable; the session is this process's own
	// (login within the process's budget) and never stored.
	local bool

	mu        sync.Mutex
	mono      time.Time // monotonic deadline
	wall      time.Time // wall-clock deadline
	saved     bool
	lost      bool
	lostCh    chan struct{}
	stopRenew chan struct{}
	renewDone chan struct{}
	ended     bool
}

// ID names the session (not secret).
func (l *Lease) ID() string { return l.id }

// Data is the session blob as stored (nil for a new login).
func (l *Lease) Data() []byte { return l.data }

// Local reports a session of this process only (the store was unreachable).
func (l *Lease) Local() bool { return l.local }

// Gap is how much earlier than the store a holder stops using the key.
func Gap(ttl time.Duration) time.Duration { return ttl / 4 }

func (l *Lease) extend(sent time.Time) {
	ttl := l.pool.store.opts.LeaseTTL
	valid := ttl - Gap(ttl)
	l.mu.Lock()
	l.mono = sent.Add(valid)
	l.wall = sent.Round(0).Add(valid)
	l.mu.Unlock()
}

// Valid reports whether the lease is known to be held right now.
func (l *Lease) Valid() bool {
	if l.local {
		return true
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.lost && !l.ended && now.Before(l.mono) && now.Round(0).Before(l.wall)
}

// Lost is closed when the lease is known to be someone else's (or the
// session was removed).
func (l *Lease) Lost() <-chan struct{} { return l.lostCh }

// Revalidate renews the lease now unless it is valid. It fails with
// ErrLeaseLost if another instance has it, or ErrStoreUnreachable.
func (l *Lease) Revalidate(ctx context.Context) error {
	if l.Valid() {
		return nil
	}
	l.mu.Lock()
	lost, ended := l.lost, l.ended
	l.mu.Unlock()
	if lost || ended {
		return ErrLeaseLost
	}
	return l.renew(ctx)
}

func (l *Lease) renew(ctx context.Context) error {
	p := l.pool
	l.mu.Lock()
	mode := ""
	if !l.saved && l.NewLogin {
		mode = "new"
	}
	l.mu.Unlock()
	sent := time.Now()
	n, err := p.runInt(ctx, "renew", renewScript, []string{p.key("l:" + l.id), p.key("s:" + l.id)},
		l.token, p.store.opts.LeaseTTL.Milliseconds(), mode)
	if err != nil {
		return err
	}
	if n == 0 {
		l.markLost()
		return ErrLeaseLost
	}
	l.extend(sent)
	return nil
}

func (l *Lease) markLost() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.lost {
		l.lost = true
		close(l.lostCh)
	}
}

// renewLoop renews every third of the TTL (sooner after a failure) until
// the lease ends or is lost. Owned by the Lease: end stops it.
func (l *Lease) renewLoop() {
	defer close(l.renewDone)
	defer func() {
		// Nothing here may take the process down; a lease whose renewal
		// broke is treated as lost, so its holder stops using the key.
		if v := recover(); v != nil {
			l.pool.store.opts.Logger.Error("session lease renewal panicked; the lease counts as lost",
				"session", l.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			l.markLost()
		}
	}()
	ttl := l.pool.store.opts.LeaseTTL
	every := ttl / 3
	next := every
	for {
		t := time.NewTimer(next)
		select {
		case <-l.stopRenew:
			t.Stop()
			return
		case <-t.C:
		}
		err := l.renew(context.Background())
		switch {
		case err == nil:
			next = every
		case l.isLost():
			l.pool.store.opts.Logger.Warn("session lease lost", "session", l.id)
			return
		default:
			l.pool.store.opts.Logger.Warn("session lease not renewed", "session", l.id, "err", err)
			next = min(every, time.Second)
		}
	}
}

func (l *Lease) isLost() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Save stores the session blob, only while this lease holds it.
func (l *Lease) Save(ctx context.Context, data []byte) error {
	if l.local {
		return nil
	}
	p := l.pool
	name := p.key("s:" + l.id)
	n, err := p.runInt(ctx, "save", saveScript, []string{p.key("l:" + l.id), name, p.key("ids")},
		l.token, p.seal.seal(name, data), l.id)
	if err != nil {
		return err
	}
	if n == 0 {
		l.markLost()
		return ErrLeaseLost
	}
	l.mu.Lock()
	l.saved = true
	l.mu.Unlock()
	return nil
}

// Release ends the lease: the session stays in the pool for the next
// instance, after a quiet period of Gap in which only this instance may
// take it back. The caller has stopped using the key.
func (l *Lease) Release(ctx context.Context) error {
	if !l.end() || l.local {
		return nil
	}
	p := l.pool
	return p.run(ctx, "release", releaseScript, []string{p.key("l:" + l.id)},
		l.token, p.store.instance, Gap(p.store.opts.LeaseTTL).Milliseconds()).Err()
}

// Remove deletes the session from the pool: Telegram rejected its key.
func (l *Lease) Remove(ctx context.Context) error {
	if !l.end() || l.local {
		return nil
	}
	p := l.pool
	return p.run(ctx, "remove", removeScript, []string{p.key("l:" + l.id), p.key("s:" + l.id), p.key("ids")},
		l.token, l.id).Err()
}

// end stops renewing; false if it had ended already.
func (l *Lease) end() bool {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return false
	}
	l.ended = true
	l.mu.Unlock()
	if l.stopRenew != nil {
		close(l.stopRenew)
		<-l.renewDone
	}
	l.pool.store.forget(l)
	return true
}

// startRenew starts renewLoop, owned by the lease (end stops it) and
// known to the Store (Close ends every lease it still has).
func (l *Lease) startRenew() {
	l.stopRenew = make(chan struct{})
	l.renewDone = make(chan struct{})
	l.pool.store.track(l)
	go l.renewLoop()
}
