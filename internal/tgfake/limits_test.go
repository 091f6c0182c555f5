package tgfake

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

const (
	workerToken  = "777001:WORKER-one"
	outsideToken = "777002:WORKER-outside"
)

// runAs runs f inside a client logged in with token.
func runAs(t *testing.T, srv *Server, token string, f func(ctx context.Context, c *telegram.Client) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	c := newClient(srv, srv.HomeDC())
	if err := c.Run(ctx, func(ctx context.Context) error {
		if _, err := c.Auth().Bot(ctx, token); err != nil {
			return fmt.Errorf("bot login: %w", err)
		}
		return f(ctx, c)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestBotRateFloodWait(t *testing.T) {
	// One token every 2 s, 3 at once: the 4th quick call is refused unless
	// the machine stalls for 2 s between calls.
	srv := NewTest(t, Options{
		Bots:   []Bot{{Token: workerToken}},
		Limits: Limits{BotRate: 0.5, BotBurst: 3},
	})
	content := Pattern(3, 64<<10)
	withDocument(t, srv, content, func(ctx context.Context, c *telegram.Client, loc *tg.InputDocumentFileLocation) error {
		srv.ResetCalls()
		srv.SetLimits(Limits{BotRate: 0.5, BotBurst: 3}) // a full burst again
		for i := range 3 {
			if _, err := getFile(ctx, c.API(), loc, 0, 4096); err != nil {
				return fmt.Errorf("call %d within the burst: %w", i+1, err)
			}
		}
		_, err := getFile(ctx, c.API(), loc, 0, 4096)
		if err := wantRPCError(err, 420, "FLOOD_WAIT"); err != nil {
			return fmt.Errorf("call 4: %w", err)
		}
		d, _ := tgerr.AsFloodWait(err)
		if d < time.Second || d > 2*time.Second {
			return fmt.Errorf("FLOOD_WAIT of %v, want 1-2 s (one token per 2 s)", d)
		}
		if st := srv.BotStats(DefaultBotToken); st.FloodWaits != 1 || st.Parts != 3 || st.Bytes != 3*4096 {
			return fmt.Errorf("BotStats = %+v, want 3 parts of 4096 bytes, 1 flood wait", st)
		}
		// Honest: after the wait it names, the call fits.
		time.Sleep(d)
		if _, err := getFile(ctx, c.API(), loc, 0, 4096); err != nil {
			return fmt.Errorf("call after waiting %v: %w", d, err)
		}
		return nil
	})
}

func TestBotRateIsPerBot(t *testing.T) {
	srv := NewTest(t, Options{Bots: []Bot{{Token: workerToken}}})
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: Pattern(4, 64<<10)})
	srv.SetLimits(Limits{BotRate: 0.01, BotBurst: 2}) // no refill within the test
	for _, token := range []string{DefaultBotToken, workerToken} {
		runAs(t, srv, token, func(ctx context.Context, c *telegram.Client) error {
			doc, err := channelDocument(ctx, c.API(), id)
			if err != nil {
				return err
			}
			// A second connection of the same bot shares its bucket.
			pool, err := c.Pool(1)
			if err != nil {
				return err
			}
			defer pool.Close()
			apis := []*tg.Client{c.API(), tg.NewClient(pool)}
			for i, api := range apis {
				if _, err := getFile(ctx, api, docLocation(doc), 0, 4096); err != nil {
					return fmt.Errorf("%s: call %d: %w", token[:6], i+1, err)
				}
			}
			for i, api := range apis {
				_, err := getFile(ctx, api, docLocation(doc), 0, 4096)
				if err := wantRPCError(err, 420, "FLOOD_WAIT"); err != nil {
					return fmt.Errorf("%s: connection %d past the burst: %w", token[:6], i+1, err)
				}
			}
			return nil
		})
	}
	for _, token := range []string{DefaultBotToken, workerToken} {
		if st := srv.BotStats(token); st.Parts != 2 || st.FloodWaits != 2 {
			t.Errorf("BotStats(%s) = %+v, want 2 parts and 2 flood waits", token[:6], st)
		}
	}
}

func TestConnBandwidth(t *testing.T) {
	const bw = 1 << 20 // 1 MiB/s
	srv := NewTest(t, Options{Limits: Limits{ConnBandwidth: bw}})
	content := Pattern(5, mib)
	withDocument(t, srv, content, func(ctx context.Context, c *telegram.Client, loc *tg.InputDocumentFileLocation) error {
		srv.ResetCalls()
		// Four quarter-MiB answers asked at once on one connection leave
		// one after another: the last cannot arrive before 1 s.
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				off := int64(i) * (256 << 10)
				b, err := getFile(ctx, c.API(), loc, off, 256<<10)
				if err == nil && !bytes.Equal(b, contentAt(content, off, 256<<10)) {
					err = fmt.Errorf("wrong bytes at %d", off)
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		for i, err := range errs {
			if err != nil {
				return fmt.Errorf("part %d: %w", i, err)
			}
		}
		if elapsed < 950*time.Millisecond {
			return fmt.Errorf("1 MiB over one connection capped at 1 MiB/s took %v", elapsed)
		}
		conns := srv.ConnStats()
		if len(conns) != 1 || conns[0].Parts != 4 || conns[0].Bytes != mib || conns[0].DC != srv.HomeDC() || conns[0].BotID != srv.BotID(DefaultBotToken) {
			return fmt.Errorf("ConnStats = %+v, want one home-DC connection of the bot with 4 parts, 1 MiB", conns)
		}
		return nil
	})
}

// TestShapeModel checks the bandwidth model without a clock: answers on one
// connection queue behind each other, other connections do not wait.
func TestShapeModel(t *testing.T) {
	srv := NewTest(t, Options{Limits: Limits{ConnBandwidth: 1 << 20}})
	answer := &tg.UploadFile{Type: &tg.StorageFileUnknown{}, Bytes: make([]byte, 512<<10)}
	req := func(session int64) *tgtest.Request {
		return &tgtest.Request{DC: srv.HomeDC(), Session: tgtest.Session{ID: session, AuthKey: crypto.AuthKey{ID: [8]byte{1}}}}
	}
	const half = 500 * time.Millisecond
	tests := []struct {
		session  int64
		delay    time.Duration
		min, max time.Duration
	}{
		{1, 0, half, half + 100*time.Millisecond},                                             // alone: n/bw
		{1, 0, 2 * half, 2*half + 100*time.Millisecond},                                       // queued behind the first
		{2, 0, half, half + 100*time.Millisecond},                                             // another connection: its own
		{3, 200 * time.Millisecond, half + 200*time.Millisecond, half + 300*time.Millisecond}, // latency first
	}
	for i, tt := range tests {
		got := srv.shape(req(tt.session), answer, tt.delay)
		if got < tt.min-time.Millisecond || got > tt.max {
			t.Errorf("answer %d (session %d): delay %v, want %v-%v", i+1, tt.session, got, tt.min, tt.max)
		}
	}
	if n := len(srv.ConnStats()); n != 3 {
		t.Errorf("ConnStats: %d connections, want 3", n)
	}
}

func TestLimitsNormalized(t *testing.T) {
	tests := []struct {
		in, want Limits
	}{
		{Limits{}, Limits{}},
		{Limits{BotRate: 10}, Limits{BotRate: 10, BotBurst: 1}},
		{Limits{BotRate: 10, BotBurst: 5}, Limits{BotRate: 10, BotBurst: 5}},
		{Limits{BotRate: -1, ConnBandwidth: -5}, Limits{}},
	}
	for _, tt := range tests {
		if got := tt.in.normalized(); got != tt.want {
			t.Errorf("%+v.normalized() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestBots(t *testing.T) {
	srv := NewTest(t, Options{Bots: []Bot{{Token: workerToken}, {Token: outsideToken, NotInChannel: true}}})
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: Pattern(6, 8192)})
	other := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "g.bin", Content: Pattern(7, 8192), DC: srv.OtherDC()})

	if got := srv.BotTokens(); strings.Join(got, ",") != DefaultBotToken+","+workerToken+","+outsideToken {
		t.Errorf("BotTokens = %v", got)
	}
	env, err := srv.Env(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if env["BOT_TOKEN"] != DefaultBotToken || env["BOT_TOKENS"] != strings.Join(srv.BotTokens(), ",") {
		t.Errorf("Env BOT_TOKEN %q BOT_TOKENS %q", env["BOT_TOKEN"], env["BOT_TOKENS"])
	}

	var primaryDoc *tg.Document
	var primaryChannel *tg.InputChannel
	runAs(t, srv, DefaultBotToken, func(ctx context.Context, c *telegram.Client) error {
		ch, err := inputChannel(ctx, c.API(), DefaultChannelID)
		if err != nil {
			return err
		}
		primaryChannel = ch
		primaryDoc, err = documentOf(ctx, c.API(), ch, id)
		return err
	})

	runAs(t, srv, workerToken, func(ctx context.Context, c *telegram.Client) error {
		self, err := c.Self(ctx)
		if err != nil || self.ID != 777001 {
			return fmt.Errorf("Self = %v, %v; want user 777001", self, err)
		}
		// The primary bot's access hashes are not the worker's.
		if _, err := getMessage(ctx, c.API(), primaryChannel, id); wantRPCError(err, 400, "CHANNEL_INVALID") != nil {
			return fmt.Errorf("getMessages with the primary bot's channel hash: %v", err)
		}
		if _, err := getFile(ctx, c.API(), docLocation(primaryDoc), 0, 4096); wantRPCError(err, 400, "FILE_ID_INVALID") != nil {
			return fmt.Errorf("getFile with the primary bot's location: %v", err)
		}
		ch, err := inputChannel(ctx, c.API(), DefaultChannelID)
		if err != nil {
			return err
		}
		if ch.AccessHash == primaryChannel.AccessHash {
			return fmt.Errorf("worker sees the primary bot's channel access hash")
		}
		doc, err := documentOf(ctx, c.API(), ch, id)
		if err != nil {
			return err
		}
		if doc.AccessHash == primaryDoc.AccessHash || doc.ID != primaryDoc.ID {
			return fmt.Errorf("worker document %d/%d, primary %d/%d: want same id, own hash", doc.ID, doc.AccessHash, primaryDoc.ID, primaryDoc.AccessHash)
		}
		if b, err := getFile(ctx, c.API(), docLocation(doc), 0, 8192); err != nil || !bytes.Equal(b, contentAt(Pattern(6, 8192), 0, 8192)) {
			return fmt.Errorf("worker getFile: %d bytes, %v", len(b), err)
		}
		// The other DC: the worker's exported authorization makes the key
		// the worker's there too.
		odoc, err := documentOf(ctx, c.API(), ch, other)
		if err != nil {
			return err
		}
		inv, err := c.DC(ctx, srv.OtherDC(), 1)
		if err != nil {
			return fmt.Errorf("worker on DC %d: %w", srv.OtherDC(), err)
		}
		defer inv.Close()
		if b, err := getFile(ctx, tg.NewClient(inv), docLocation(odoc), 0, 8192); err != nil || len(b) != 8192 {
			return fmt.Errorf("worker getFile on DC %d: %d bytes, %v", srv.OtherDC(), len(b), err)
		}

		// Revoked: the key stops working, the token no longer logs in.
		srv.RevokeBot(workerToken)
		if _, err := getFile(ctx, c.API(), docLocation(doc), 0, 4096); wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED") != nil {
			return fmt.Errorf("getFile after revoke: %v", err)
		}
		if _, err := c.Auth().Bot(ctx, workerToken); wantRPCError(err, 400, "ACCESS_TOKEN_INVALID") != nil {
			return fmt.Errorf("login after revoke: %v", err)
		}
		return nil
	})
	if st := srv.BotStats(workerToken); st.Parts != 2 || st.Bytes != 2*8192 {
		t.Errorf("BotStats(worker) = %+v, want 2 parts of 8192 bytes", st)
	}
	if st := srv.BotStats(DefaultBotToken); st.Parts != 0 {
		t.Errorf("BotStats(primary) = %+v, want no parts", st)
	}

	runAs(t, srv, outsideToken, func(ctx context.Context, c *telegram.Client) error {
		if _, err := inputChannel(ctx, c.API(), DefaultChannelID); wantRPCError(err, 400, "CHANNEL_PRIVATE") != nil {
			return fmt.Errorf("getChannels by a bot outside the channel: %v", err)
		}
		return nil
	})
}

func TestBotsRejected(t *testing.T) {
	for _, bots := range [][]Bot{
		{{Token: "nonsense"}},
		{{Token: DefaultBotToken}},
		{{Token: "5:a"}, {Token: "5:b"}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		srv, err := Start(ctx, Options{Bots: bots})
		cancel()
		if err == nil {
			_ = srv.Close()
			t.Errorf("Start with Bots %v: no error", bots)
		}
	}
}
