package tgfake

// The end-to-end tests over real MTProto (loopback TCP, gotd's client, key
// exchanges): what only the wire has. Logins and the migration to the
// bot's DC, a dropped connection, the per-connection bandwidth cap, an
// outage, latency on one connection, the logs, Close and Env. The rules
// themselves (channel, files, limits, hooks, bots) are tested in memory by
// the other test files; the same judge (rpc.go) serves both ways in.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
)

// wireTimeout bounds one client's run: key exchanges are CPU, and CI runs
// packages side by side on a busy machine.
const wireTimeout = 3 * time.Minute

// TestOverMTProto runs one cluster and one client logged in as the bot;
// the subtests share them, in order (SetReachable last: it cuts every
// connection), then a second client logs in through a migration.
func TestOverMTProto(t *testing.T) {
	t.Parallel()
	srv := NewTest(t, Options{})
	content := Pattern(2, 2*mib)
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: content})

	ctx, cancel := context.WithTimeout(t.Context(), wireTimeout)
	defer cancel()
	c := newClient(srv, srv.HomeDC())
	err := c.Run(ctx, func(ctx context.Context) error {
		if _, err := c.Auth().Bot(ctx, DefaultBotToken); err != nil {
			return fmt.Errorf("bot login: %w", err)
		}
		doc, err := channelDocument(ctx, c.API(), id)
		if err != nil {
			return err
		}
		loc := docLocation(doc)

		t.Run("BotLogin", func(t *testing.T) {
			status, err := c.Auth().Status(ctx)
			if err != nil {
				t.Fatalf("auth status: %v", err)
			}
			if !status.Authorized || !status.User.Bot || status.User.ID != 123456 {
				t.Fatalf("status = %+v, want the bot 123456", status)
			}
			// help.getConfig advertises the addresses clients were given, so
			// connections made from it go through the Server's proxies too.
			cfg, err := c.API().HelpGetConfig(ctx)
			if err != nil {
				t.Fatal(err)
			}
			addrs := func(opts []tg.DCOption) (out []string) {
				for _, o := range opts {
					out = append(out, fmt.Sprintf("%d=%s:%d", o.ID, o.IPAddress, o.Port))
				}
				return out
			}
			if got, want := addrs(cfg.DCOptions), addrs(srv.DCList().Options); cfg.ThisDC != srv.HomeDC() || !reflect.DeepEqual(got, want) {
				t.Errorf("help.getConfig: this DC %d, options %v, want %v", cfg.ThisDC, got, want)
			}
			if got := srv.Logins(); got != 1 {
				t.Errorf("Logins() = %d, want 1", got)
			}
		})

		// Under latency, a second call on the same MTProto connection
		// reaches the server while the first waits for its answer (how
		// long they wait is TestLatencyIsConcurrent's, in fake time).
		t.Run("LatencyOnOneConnection", func(t *testing.T) {
			srv.ResetCalls()
			srv.SetLatency(time.Hour)
			defer srv.SetLatency(0)
			callCtx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			for i := range 2 {
				// Owned by the subtest: stop ends them.
				wg.Go(func() { _, _ = getFile(callCtx, c.API(), loc, int64(i)*mib, 64<<10) })
			}
			for srv.MaxInFlightPerConn() < 2 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			stop()
			wg.Wait()
			if got := srv.MaxInFlightPerConn(); got != 2 {
				t.Errorf("MaxInFlightPerConn = %d, want 2 calls waiting on one connection", got)
			}
		})

		t.Run("DropNext", func(t *testing.T) {
			srv.ResetCalls()
			srv.DropNext(tg.UploadGetFileRequestTypeID, 1)
			b, err := getFile(ctx, c.API(), loc, 0, 4096)
			if err != nil {
				t.Fatalf("getFile after a dropped connection: %v", err)
			}
			if !bytes.Equal(b, contentAt(content, 0, 4096)) {
				t.Fatal("wrong bytes")
			}
			if got := srv.Calls(tg.UploadGetFileRequestTypeID); got != 2 {
				t.Errorf("Calls(getFile) = %d, want 2 (dropped, then re-sent)", got)
			}
		})

		t.Run("ConnBandwidth", func(t *testing.T) {
			const bw = 1 << 20 // 1 MiB/s
			srv.SetLimits(Limits{ConnBandwidth: bw})
			defer srv.SetLimits(Limits{})
			srv.ResetCalls()
			// Four quarter-MiB answers asked at once on one connection leave
			// one after another: the last cannot arrive before 1 s.
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range 4 {
				wg.Go(func() {
					off := int64(i) * (256 << 10)
					b, err := getFile(ctx, c.API(), loc, off, 256<<10)
					if err == nil && !bytes.Equal(b, contentAt(content, off, 256<<10)) {
						err = fmt.Errorf("wrong bytes at %d", off)
					}
					errs[i] = err
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
			}
			if elapsed < 950*time.Millisecond {
				t.Errorf("1 MiB over one connection capped at 1 MiB/s took %v", elapsed)
			}
			conns := srv.ConnStats()
			if len(conns) != 1 || conns[0].Parts != 4 || conns[0].Bytes != mib || conns[0].DC != srv.HomeDC() || conns[0].BotID != srv.BotID(DefaultBotToken) {
				t.Errorf("ConnStats = %+v, want one home-DC connection of the bot with 4 parts, 1 MiB", conns)
			}
		})

		t.Run("EarlyHangUps", func(t *testing.T) {
			// Connections that end before the transport's four-byte tag (a
			// port scan, a client killed while dialling, one cut by
			// SetReachable in that instant) leave the DC serving: a new
			// client connects after them. (tgtest stops every DC when a
			// connection it accepted ends before its tag.)
			var p *proxy
			for _, q := range srv.proxyList() {
				if q.dc == srv.HomeDC() {
					p = q
				}
			}
			addr := p.addr().String()
			tracked := func() int {
				p.mu.Lock()
				defer p.mu.Unlock()
				return len(p.conns)
			}
			before := tracked()
			for _, sent := range [][]byte{nil, {0xee}, {0xee, 0xee, 0xee}, {0xee, 0xee, 0xee, 0xee}} {
				conn, err := net.Dial("tcp4", addr)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Write(sent); err != nil {
					t.Fatal(err)
				}
				_ = conn.Close()
			}
			// Every hang-up's relay has ended (what the server got of it
			// is in its accept queue before the new client's connection).
			deadline := time.Now().Add(time.Minute)
			for tracked() != before {
				if time.Now().After(deadline) {
					t.Fatalf("%d connections tracked, want %d", tracked(), before)
				}
				time.Sleep(10 * time.Millisecond)
			}
			newCtx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := newClient(srv, srv.HomeDC()).Run(newCtx, func(ctx context.Context) error { return nil }); err != nil {
				t.Fatalf("a new client after the early hang-ups: %v", err)
			}
		})

		t.Run("SetReachable", func(t *testing.T) {
			if _, err := inputChannel(ctx, c.API(), DefaultChannelID); err != nil {
				t.Fatal(err)
			}
			srv.SetReachable(false)
			callCtx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			if _, err := inputChannel(callCtx, c.API(), DefaultChannelID); err == nil {
				t.Fatal("call succeeded while Telegram is unreachable")
			}

			// A new client cannot even connect.
			newCtx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			if err := newClient(srv, srv.HomeDC()).Run(newCtx, func(ctx context.Context) error { return nil }); err == nil {
				t.Fatal("client connected while Telegram is unreachable")
			}

			// Back: the running client recovers by itself, still logged in.
			srv.SetReachable(true)
			begin := time.Now()
			if _, err := inputChannel(ctx, c.API(), DefaultChannelID); err != nil {
				t.Fatalf("after SetReachable(true): %v", err)
			}
			t.Logf("client recovered in %v", time.Since(begin))
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// After the outage a new client connects. Its home DC is wrong: it is
	// refused a wrong token, stays logged out, then with the right token is
	// sent to the bot's DC and logs in there.
	t.Run("LoginOnOtherDCMigrates", func(t *testing.T) {
		srv.ResetCalls()
		logins := srv.Logins()
		ctx, cancel := context.WithTimeout(t.Context(), wireTimeout)
		defer cancel()
		c := newClient(srv, srv.OtherDC())
		if err := c.Run(ctx, func(ctx context.Context) error {
			if _, err := c.Auth().Bot(ctx, "123456:WRONG"); wantRPCError(err, 400, "ACCESS_TOKEN_INVALID") != nil {
				return fmt.Errorf("wrong token: %v", err)
			}
			if _, err := inputChannel(ctx, c.API(), DefaultChannelID); wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED") != nil {
				return fmt.Errorf("after a refused login: %v", err)
			}
			if _, err := c.Auth().Bot(ctx, DefaultBotToken); err != nil {
				return fmt.Errorf("bot login: %w", err)
			}
			_, err := inputChannel(ctx, c.API(), DefaultChannelID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := srv.Calls(tg.AuthImportBotAuthorizationRequestTypeID); got != 3 {
			t.Errorf("auth.importBotAuthorization calls = %d, want 3 (wrong token, refused on DC %d, then on %d)", got, srv.OtherDC(), srv.HomeDC())
		}
		if got := srv.Logins() - logins; got != 1 {
			t.Errorf("%d logins, want 1", got)
		}
	})
}

// Debug logs show methods and outcomes, never the token or the API hash.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var buf LogBuffer
	srv := NewTest(t, Options{
		BotToken: "42:SECRETTOKEN",
		APIHash:  "secrethash",
		Logger:   slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	c := telegram.NewClient(DefaultAPIID, "secrethash", clientOptions(srv, srv.HomeDC()))
	ctx, cancel := context.WithTimeout(t.Context(), wireTimeout)
	defer cancel()
	if err := c.Run(ctx, func(ctx context.Context) error {
		if _, err := c.Auth().Bot(ctx, "42:WRONGSECRET"); err == nil {
			return fmt.Errorf("wrong token accepted")
		}
		_, err := c.Auth().Bot(ctx, "42:SECRETTOKEN")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "auth.importBotAuthorization") {
		t.Fatalf("no debug log of the login:\n%s", logs)
	}
	for _, secret := range []string{"SECRETTOKEN", "WRONGSECRET", "secrethash"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

// A client configured only from Env, as a separate process would be, works.
func TestEnv(t *testing.T) {
	t.Parallel()
	srv := NewTest(t, Options{Bots: []Bot{{Token: workerToken}}})
	dir := t.TempDir()
	env, err := srv.Env(dir)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"API_ID":         strconv.Itoa(DefaultAPIID),
		"API_HASH":       DefaultAPIHash,
		"BOT_TOKEN":      DefaultBotToken,
		"LOG_CHANNEL_ID": "-1001234567890",
		"TG_DC":          "2",
		"BOT_TOKENS":     DefaultBotToken + "," + workerToken,
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}

	pemData, err := os.ReadFile(env["TG_PUBLIC_KEYS"])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pemData, srv.PublicKeysPEM()) || !bytes.Contains(pemData, []byte("-----BEGIN RSA PUBLIC KEY-----")) {
		t.Fatalf("TG_PUBLIC_KEYS file does not hold PKCS#1 blocks:\n%s", pemData)
	}
	rsaKeys, err := crypto.ParseRSAPublicKeys(pemData)
	if err != nil || len(rsaKeys) != 2 {
		t.Fatalf("parse keys: %d keys, %v", len(rsaKeys), err)
	}
	var keys []telegram.PublicKey
	for i, k := range rsaKeys {
		keys = append(keys, telegram.PublicKey{RSA: k})
		if !k.Equal(srv.PublicKeys()[i].RSA) {
			t.Errorf("key %d differs from PublicKeys()", i)
		}
	}

	var list dcs.List
	for _, part := range strings.Split(env["TG_DC_LIST"], ",") {
		id, addr, ok := strings.Cut(part, "=")
		host, port, err := net.SplitHostPort(addr)
		dc, err2 := strconv.Atoi(id)
		p, err3 := strconv.Atoi(port)
		if !ok || err != nil || err2 != nil || err3 != nil || host != "127.0.0.1" {
			t.Fatalf("TG_DC_LIST = %q", env["TG_DC_LIST"])
		}
		list.Options = append(list.Options, tg.DCOption{ID: dc, IPAddress: host, Port: p})
	}
	if len(list.Options) != 2 || list.Options[0].ID != 2 || list.Options[1].ID != 4 {
		t.Fatalf("TG_DC_LIST = %q, want DCs 2 and 4", env["TG_DC_LIST"])
	}

	apiID, _ := strconv.Atoi(env["API_ID"])
	dc, _ := strconv.Atoi(env["TG_DC"])
	c := telegram.NewClient(apiID, env["API_HASH"], telegram.Options{
		PublicKeys:     keys,
		DCList:         list,
		DC:             dc,
		NoUpdates:      true,
		SessionStorage: &session.StorageMemory{},
	})
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Content: Pattern(1, 10), DC: DefaultOtherDC})
	ctx, cancel := context.WithTimeout(context.Background(), wireTimeout)
	defer cancel()
	if err := c.Run(ctx, func(ctx context.Context) error {
		if _, err := c.Auth().Bot(ctx, env["BOT_TOKEN"]); err != nil {
			return err
		}
		channelID, _ := strconv.ParseInt(strings.TrimPrefix(env["LOG_CHANNEL_ID"], "-100"), 10, 64)
		ch, err := inputChannel(ctx, c.API(), channelID)
		if err != nil {
			return err
		}
		doc, err := documentOf(ctx, c.API(), ch, id)
		if err != nil {
			return err
		}
		// The other DC is reached through the address help.getConfig gave.
		other, err := c.DC(ctx, DefaultOtherDC, 1)
		if err != nil {
			return err
		}
		defer other.Close()
		_, err = getFile(ctx, tg.NewClient(other), docLocation(doc), 0, 1024)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// Close with a client connected and replies pending returns promptly and
// leaves no goroutine behind. Not parallel: goleak must see only its own
// goroutines.
func TestCloseStopsEverything(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	ctx, cancel := context.WithTimeout(context.Background(), wireTimeout)
	defer cancel()
	srv, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Content: Pattern(1, 4096)})
	srv.SetLatency(time.Hour)

	c := newClient(srv, srv.HomeDC())
	runCtx, stopClient := context.WithCancel(ctx)
	pending := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		done <- c.Run(runCtx, func(ctx context.Context) error {
			if _, err := c.Auth().Bot(ctx, DefaultBotToken); err != nil {
				return err
			}
			doc, err := channelDocument(ctx, c.API(), id)
			if err != nil {
				return err
			}
			go func() {
				// Owned by the test: ends when the client stops.
				_, err := getFile(ctx, c.API(), docLocation(doc), 0, 4096)
				pending <- err
			}()
			<-ctx.Done()
			return nil
		})
	}()
	// Wait for the getFile to reach the server.
	for srv.Calls(tg.UploadGetFileRequestTypeID) == 0 {
		select {
		case err := <-done:
			t.Fatalf("client ended early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	begin := time.Now()
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(begin); took > time.Second {
		t.Errorf("Close took %v with a reply pending", took)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	stopClient()
	<-done
	if err := <-pending; err == nil {
		t.Error("the pending getFile succeeded after Close")
	}
}
