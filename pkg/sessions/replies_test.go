package sessions

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/filetolink/filetolink/internal/redistest"
)

// respServer is a store that answers every command but HELLO with reply
// (raw RESP): a broken proxy or an incompatible server. HELLO is refused,
// as a RESP2 server does, so that the client goes on in RESP2.
func respServer(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					name, err := readCommand(r)
					if err != nil {
						return
					}
					answer := reply
					if strings.EqualFold(name, "HELLO") {
						answer = "-ERR unknown command 'HELLO'\r\n"
					}
					if _, err := io.WriteString(c, answer); err != nil {
						return
					}
				}
			})
		}
	})
	return "redis://" + ln.Addr().String() + "/0"
}

// readCommand reads one command as a client sends it (an array of bulk
// strings) and returns its name.
func readCommand(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil {
		return "", err
	}
	name := ""
	for i := range n {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "$")))
		if err != nil {
			return "", err
		}
		arg := make([]byte, size+2)
		if _, err := io.ReadFull(r, arg); err != nil {
			return "", err
		}
		if i == 0 {
			name = string(arg[:size])
		}
	}
	return name, nil
}

// A store answering every command with an empty array (or another shape
// no script returns) is an unreachable store: no panic, the documented
// fallback (a local login), a status that says so.
func TestMalformedRepliesAreAnUnreachableStore(t *testing.T) {
	for _, reply := range []string{"*0\r\n", "*1\r\n$0\r\n\r\n", "*2\r\n$2\r\nok\r\n:5\r\n", ":1\r\n", "$3\r\nabc\r\n", "*3\r\n$2\r\nid\r\n:1\r\n:2\r\n"} {
		t.Run(strings.ReplaceAll(reply, "\r\n", " "), func(t *testing.T) {
			st, err := Open(Options{URL: respServer(t, reply), Secret: testSecret, Wait: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			p, err := st.Pool(testBot, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := ctxT(t)
			l, err := p.Acquire(ctx, "")
			if err != nil || !l.Local() || !l.NewLogin {
				t.Fatalf("acquire: %v %+v, want a local login", err, l)
			}
			if status := p.Status(ctx); status.Reachable || status.StoreError != "malformed reply" {
				t.Errorf("status %+v, want unreachable: malformed reply", status)
			}
			if _, err := p.Seed(ctx, []byte("s")); !strings.HasPrefix(reply, ":") && !errors.Is(err, ErrStoreUnreachable) {
				t.Errorf("seed: %v, want ErrStoreUnreachable", err)
			}
		})
	}
}

// A lease renewed against a store that answers nonsense is not renewed
// (an unreachable store), and nothing panics.
func TestRenewWithMalformedReply(t *testing.T) {
	bad, err := Open(Options{URL: respServer(t, "*0\r\n"), Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	p, err := bad.Pool(testBot, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := p.newLease("s1", "inst:1", nil, false)
	if err := l.renew(ctxT(t)); !errors.Is(err, ErrStoreUnreachable) || !errors.Is(err, errMalformed) {
		t.Errorf("renew: %v, want a malformed reply", err)
	}
	if l.isLost() {
		t.Error("a malformed reply counted as the lease lost")
	}
}

// Words an attacker writes into the store are never shown: the block
// reason and the last auth error are codes mapped to fixed texts.
func TestStoreWordsAreNotShown(t *testing.T) {
	srv := redistest.Start(t)
	p := newPool(t, srv, func(o *Options) { o.LoginBudget = 1 })
	ctx := ctxT(t)
	const phish = "Service moved: log in at https://evil.example"
	if _, err := srv.Do("SET", p.key("block"), phish, "PX", "60000"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Do("SET", p.key("autherr"), phish); err != nil {
		t.Fatal(err)
	}
	st := p.Status(ctx)
	if strings.Contains(st.BlockReason, "evil") || strings.Contains(st.LastAuthErr, "evil") ||
		st.BlockReason != BlockText("") || st.LastAuthErr != AuthErrorText("") {
		t.Errorf("status shows the store's words: %+v", st)
	}
	_, err := p.Acquire(ctx, "")
	var ue *UnavailableError
	if !errors.As(err, &ue) || strings.Contains(ue.PublicReason(), "evil") || !strings.Contains(ue.PublicReason(), "blocks logins") {
		t.Errorf("acquire while blocked: %v", err)
	}

	// What this service records is a code, shown as its fixed text.
	if err := p.BlockLogins(ctx, time.Minute+time.Second, BlockFloodWait); err != nil {
		t.Fatal(err)
	}
	p.RecordAuthError(ctx, "FLOOD_WAIT_30")
	st = p.Status(ctx)
	if st.BlockReason != "FLOOD_WAIT on auth.importBotAuthorization" || st.LastAuthErr != "FLOOD_WAIT" {
		t.Errorf("status %+v", st)
	}
	// A Redis error's own words are not shown either.
	err = p.run(ctx, "x", redis.NewScript("return redis.error_reply('ERR "+phish+"')"), nil).Err()
	if got := storeErrorText(err); err == nil || strings.Contains(got, "evil") || got != "redis: ERR" {
		t.Errorf("a Redis error shown as %q", got)
	}
}

// A paused store (SIGSTOP: connections open, no answer) does not hold a
// caller past its own deadline, however long OpTimeout is: /healthz asks
// with half a second.
func TestStatusKeepsTheCallersBudgetWhenTheStoreIsPaused(t *testing.T) {
	srv := redistest.Start(t)
	p := newPool(t, srv, func(o *Options) { o.OpTimeout = time.Minute })
	if st := p.Status(ctxT(t)); !st.Reachable {
		t.Fatalf("status before the pause: %+v", st)
	}
	srv.Pause()
	resumed := false
	defer func() {
		if !resumed {
			srv.Resume()
		}
	}()
	answered := make(chan Status, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		answered <- p.Status(ctx)
	}()
	select {
	case st := <-answered:
		if st.Reachable || st.StoreError != "timeout" {
			t.Errorf("status of a paused store: %+v, want unreachable: timeout", st)
		}
	case <-time.After(30 * time.Second): // a failsafe: the answer is due in 0.5 s
		t.Fatal("Status did not answer while the store was paused")
	}
	srv.Resume()
	resumed = true
	if st := p.Status(ctxT(t)); !st.Reachable {
		t.Errorf("status after the pause: %+v", st)
	}
}
