package sessions

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/redistest"
	"github.com/filetolink/filetolink/internal/tgfake"
)

const testBot = "123456"

var testSecret = []byte("123456:TESTTOKEN\x00fake-api-hash")

func newPool(t *testing.T, srv *redistest.Server, mod func(*Options)) *Pool {
	t.Helper()
	o := Options{URL: srv.URL(), LeaseTTL: 2 * time.Second, Secret: testSecret, Wait: 300 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	st, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	p, err := st.Pool(testBot, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctxT(t *testing.T) context.Context { return redistest.Context(t, 30*time.Second) }

// A stored session goes to one instance at a time; the next one logs in
// (within the budget) instead of sharing it.
func TestAcquireIsExclusive(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newPool(t, srv, nil), newPool(t, srv, nil)
	ctx := ctxT(t)
	if added, err := a.Seed(ctx, []byte("session-1")); err != nil || !added {
		t.Fatalf("seed: %v %v", added, err)
	}
	if added, _ := b.Seed(ctx, []byte("session-1")); added {
		t.Error("the same seed was added twice")
	}
	la, err := a.Acquire(ctx, "")
	if err != nil || la.NewLogin || !bytes.Equal(la.Data(), []byte("session-1")) {
		t.Fatalf("a: %v %+v", err, la)
	}
	lb, err := b.Acquire(ctx, la.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !lb.NewLogin || lb.ID() == la.ID() {
		t.Fatalf("b got %s (new login %v) while a holds %s", lb.ID(), lb.NewLogin, la.ID())
	}
	if !la.Valid() || !lb.Valid() {
		t.Error("fresh leases not valid")
	}
	st := a.Status(ctx)
	if st.Stored != 1 || st.Leased != 1 || st.Logins != 1 || !st.Reachable {
		t.Errorf("status %+v", st)
	}
	// b stores its new session; a releases; after the quiet period another
	// instance gets a's.
	if err := lb.Save(ctx, []byte("session-2")); err != nil {
		t.Fatal(err)
	}
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if la.Valid() {
		t.Error("released lease still valid")
	}
	c := newPool(t, srv, func(o *Options) { o.Wait = 5 * time.Second; o.LoginBudget = 1 })
	lc, err := c.Acquire(ctx, "")
	if err != nil || lc.ID() != la.ID() || lc.NewLogin {
		t.Fatalf("c: %v %+v, want a's released session", err, lc)
	}
}

// The instance that released a session takes it back at once (its quiet
// period is for others).
func TestReleasedSessionBackToItsHolder(t *testing.T) {
	srv := redistest.Start(t)
	a := newPool(t, srv, func(o *Options) { o.LeaseTTL = 20 * time.Second })
	ctx := ctxT(t)
	_, _ = a.Seed(ctx, []byte("s"))
	l, err := a.Acquire(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Release(ctx)
	l2, err := a.Acquire(ctx, l.ID())
	if err != nil || l2.ID() != l.ID() {
		t.Fatalf("%v %+v", err, l2)
	}
	b := newPool(t, srv, func(o *Options) { o.LoginBudget = 1; o.Wait = 100 * time.Millisecond })
	_ = l2.Release(ctx)
	// For b the session is quiet for LeaseTTL/4 = 5s: it logs in instead of
	// waiting longer than its Wait.
	lb, err := b.Acquire(ctx, "")
	if err != nil || !lb.NewLogin {
		t.Fatalf("b: %v %+v", err, lb)
	}
}

// A holder whose lease lapsed (a frozen instance) cannot renew, save or
// release once another instance holds the session.
func TestLapsedHolderCannotRenewAnothersLease(t *testing.T) {
	srv := redistest.Start(t)
	host := tgfake.NewHost(1)
	a := newPool(t, srv, func(o *Options) { o.Dial = host.Dial; o.OpTimeout = 300 * time.Millisecond })
	b := newPool(t, srv, nil)
	ctx := ctxT(t)
	_, _ = a.Seed(ctx, []byte("original"))
	la, err := a.Acquire(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	host.Freeze()
	// Until the store lets the lease go, b logs in instead.
	deadline := time.Now().Add(20 * time.Second)
	var lb *Lease
	for time.Now().Before(deadline) {
		if n, _ := srv.Do("EXISTS", "ftl:{"+testBot+"}:l:"+la.ID()); n == ":0" {
			lb, err = b.Acquire(ctx, la.ID())
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if lb == nil || err != nil || lb.ID() != la.ID() {
		t.Fatalf("b did not take the lapsed session: %v %+v", err, lb)
	}
	if la.Valid() {
		t.Fatal("a's lease is still valid locally after the store let it go")
	}
	host.Thaw()
	if err := la.Revalidate(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("revalidate: %v, want ErrLeaseLost", err)
	}
	if err := la.Save(ctx, []byte("stale")); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("save: %v, want ErrLeaseLost", err)
	}
	_ = la.Release(ctx)
	if !lb.Valid() || lb.Revalidate(ctx) != nil {
		t.Error("b lost its lease to a lapsed holder")
	}
	<-la.Lost()
	// The stored session is b's view, not a's stale write.
	c := newPool(t, srv, nil)
	_ = lb.Release(ctx)
	lc, err := c.Acquire(redistest.Context(t, 10*time.Second), "")
	_ = lc
	if err != nil {
		t.Logf("c: %v (quiet period)", err)
	}
}

// The budget is shared: once spent, Acquire waits briefly and answers a
// typed error with a Retry-After; a FLOOD_WAIT on login blocks everyone.
func TestLoginBudgetAndBlock(t *testing.T) {
	srv := redistest.Start(t)
	a := newPool(t, srv, func(o *Options) { o.LoginBudget = 2 })
	b := newPool(t, srv, func(o *Options) { o.LoginBudget = 2 })
	ctx := ctxT(t)
	for i, p := range []*Pool{a, b} {
		l, err := p.Acquire(ctx, "")
		if err != nil || !l.NewLogin {
			t.Fatalf("login %d: %v", i, err)
		}
	}
	_, err := a.Acquire(ctx, "")
	var ue *UnavailableError
	if !errors.As(err, &ue) || ue.RetryAfter() <= 0 || !strings.Contains(ue.PublicReason(), "budget") {
		t.Fatalf("third acquire: %v", err)
	}
	if st := b.Status(ctx); st.Logins != 2 || st.LoginBudget != 2 {
		t.Errorf("status %+v", st)
	}

	c := newPool(t, srv, func(o *Options) { o.LoginBudget = 100 })
	if err := c.BlockLogins(ctx, 90*time.Second, "FLOOD_WAIT on auth.importBotAuthorization"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Acquire(ctx, "")
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "blocks logins") {
		t.Fatalf("acquire while blocked: %v", err)
	}
	st := c.Status(ctx)
	if st.BlockedFor < 80 || st.BlockedFor > 90 || st.BlockReason == "" || st.BlockedTill.IsZero() {
		t.Errorf("status %+v", st)
	}
}

// Sessions are sealed: the store holds no plain session, a blob moved to
// another key or read with another secret does not open (and is removed).
func TestSessionsSealedAtRest(t *testing.T) {
	srv := redistest.Start(t)
	a := newPool(t, srv, nil)
	ctx := ctxT(t)
	secret := []byte("AUTH-KEY-BYTES-0123456789")
	_, _ = a.Seed(ctx, secret)
	dump, err := srv.Do("KEYS", "*")
	if err != nil {
		t.Fatal(err)
	}
	_ = dump
	l, _ := a.Acquire(ctx, "")
	raw, err := a.store.rdb.Get(ctx, a.key("s:"+l.ID())).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, secret) {
		t.Fatal("session stored in the clear")
	}
	if _, err := a.seal.open(a.key("s:other"), raw); err == nil {
		t.Error("a blob opened under another key name")
	}
	_ = l.Release(ctx)

	other := newPool(t, srv, func(o *Options) { o.Secret = []byte("another token") })
	time.Sleep(Gap(2*time.Second) + 100*time.Millisecond) // the quiet period
	lo, err := other.Acquire(ctx, "")
	if err != nil || !lo.NewLogin {
		t.Fatalf("another secret: %v %+v", err, lo)
	}
	if st := other.Status(ctx); st.Stored != 0 {
		t.Errorf("undecryptable session kept: %+v", st)
	}
}

// Without the store an instance logs in within its own budget, then
// answers a typed error; nothing hangs past the store timeout.
func TestStoreUnreachable(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL()
	srv.Kill()
	st, err := Open(Options{URL: url, Secret: testSecret, LoginBudget: 2, OpTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, _ := st.Pool(testBot, nil)
	ctx := ctxT(t)
	for i := 0; i < 2; i++ {
		l, err := p.Acquire(ctx, "")
		if err != nil || !l.Local() || !l.NewLogin || !l.Valid() {
			t.Fatalf("local login %d: %v %+v", i, err, l)
		}
	}
	_, err = p.Acquire(ctx, "")
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrStoreUnreachable) {
		t.Fatalf("third: %v", err)
	}
	if s := p.Status(ctx); s.Reachable || s.StoreError == "" {
		t.Errorf("status %+v", s)
	}
}

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"redis://localhost:6379", true},
		{"rediss://default:secret@eu1.upstash.io:6379", true},
		{"redis://:pw@10.0.0.1:6380/2", true},
		{"http://localhost", false},
		{"localhost:6379", false},
		{"redis://host:notaport", false},
	} {
		_, err := ParseURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("%q: %v", tt.url, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("error echoes the URL: %v", err)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	f.Add("redis://localhost:6379")
	f.Add("rediss://u:p@h:1/0")
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseURL(s)
		if err != nil && len(s) > 8 && strings.Contains(err.Error(), s) {
			t.Errorf("error echoes the URL")
		}
	})
}
