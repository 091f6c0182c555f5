package tgfake

// The speed limits and the bots, in memory; the flood waits and the
// bandwidth model in fake time (testing/synctest). The bandwidth cap on a
// real MTProto connection is in wire_test.go.

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

const (
	workerToken  = "777001:WORKER-one"
	outsideToken = "777002:WORKER-outside"
)

// One token every 2 s, 3 at once: the 4th call at the same instant waits
// exactly 2 s, one a second later 1 s; the wait named is enough.
func TestBotRateFloodWait(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemory(t, Options{
			Bots:   []Bot{{Token: workerToken}},
			Limits: Limits{BotRate: 0.5, BotBurst: 3},
		})
		content := Pattern(3, 64<<10)
		withDocument(t, srv, content, func(ctx context.Context, api *tg.Client, loc *tg.InputDocumentFileLocation) error {
			srv.ResetCalls()
			srv.SetLimits(Limits{BotRate: 0.5, BotBurst: 3}) // a full burst again
			for i := range 3 {
				if _, err := getFile(ctx, api, loc, 0, 4096); err != nil {
					return fmt.Errorf("call %d within the burst: %w", i+1, err)
				}
			}
			_, err := getFile(ctx, api, loc, 0, 4096)
			if err := wantRPCError(err, 420, "FLOOD_WAIT"); err != nil {
				return fmt.Errorf("call 4: %w", err)
			}
			if d, _ := tgerr.AsFloodWait(err); d != 2*time.Second {
				return fmt.Errorf("FLOOD_WAIT of %v, want 2s (one token per 2 s)", d)
			}
			if st := srv.BotStats(DefaultBotToken); st.FloodWaits != 1 || st.Parts != 3 || st.Bytes != 3*4096 {
				return fmt.Errorf("BotStats = %+v, want 3 parts of 4096 bytes, 1 flood wait", st)
			}
			time.Sleep(time.Second) // half a token
			_, err = getFile(ctx, api, loc, 0, 4096)
			if d, _ := tgerr.AsFloodWait(err); d != time.Second {
				return fmt.Errorf("a second later: %v, want FLOOD_WAIT_1", err)
			}
			// Honest: after the wait it names, the call fits.
			time.Sleep(time.Second)
			if _, err := getFile(ctx, api, loc, 0, 4096); err != nil {
				return fmt.Errorf("call after waiting: %w", err)
			}
			if st := srv.BotStats(DefaultBotToken); st.FloodWaits != 2 || st.Parts != 4 {
				return fmt.Errorf("BotStats = %+v, want 4 parts, 2 flood waits", st)
			}
			if st := srv.BotStats(workerToken); st != (BotStats{}) {
				return fmt.Errorf("BotStats(worker) = %+v, want none", st)
			}
			return nil
		})
	})
}

// Each bot has its own bucket, shared by all its connections: here a
// second session on the same auth key, as a client's pool opens.
func TestBotRateIsPerBot(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemory(t, Options{Bots: []Bot{{Token: workerToken}}})
		id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: Pattern(4, 64<<10)})
		srv.SetLimits(Limits{BotRate: 0.01, BotBurst: 2}) // no refill: fake time stands still
		ctx := t.Context()
		for _, token := range []string{DefaultBotToken, workerToken} {
			inv := srv.Invoker(srv.HomeDC())
			api := tg.NewClient(inv)
			if _, err := api.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{
				APIID: DefaultAPIID, APIHash: DefaultAPIHash, BotAuthToken: token,
			}); err != nil {
				t.Fatal(err)
			}
			apis := []*tg.Client{api, tg.NewClient(otherSession(inv))}
			doc, err := channelDocument(ctx, api, id)
			if err != nil {
				t.Fatal(err)
			}
			for i, api := range apis {
				if _, err := getFile(ctx, api, docLocation(doc), 0, 4096); err != nil {
					t.Fatalf("%s: call %d: %v", token[:6], i+1, err)
				}
			}
			for i, api := range apis {
				_, err := getFile(ctx, api, docLocation(doc), 0, 4096)
				if err := wantRPCError(err, 420, "FLOOD_WAIT"); err != nil {
					t.Fatalf("%s: connection %d past the burst: %v", token[:6], i+1, err)
				}
				if d, _ := tgerr.AsFloodWait(err); d != 100*time.Second {
					t.Fatalf("%s: FLOOD_WAIT of %v, want 100s", token[:6], d)
				}
			}
		}
		for _, token := range []string{DefaultBotToken, workerToken} {
			if st := srv.BotStats(token); st.Parts != 2 || st.FloodWaits != 2 {
				t.Errorf("BotStats(%s) = %+v, want 2 parts and 2 flood waits", token[:6], st)
			}
		}
		if n := len(srv.ConnStats()); n != 4 {
			t.Errorf("ConnStats: %d connections, want 4 (two sessions of each bot)", n)
		}
	})
}

// TestShapeModel checks the bandwidth model in fake time: answers on one
// connection queue behind each other, other connections do not wait.
func TestShapeModel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemory(t, Options{Limits: Limits{ConnBandwidth: 1 << 20}})
		answer := &tg.UploadFile{Type: &tg.StorageFileUnknown{}, Bytes: make([]byte, 512<<10)}
		req := func(session int64) *tgtest.Request {
			return &tgtest.Request{DC: srv.HomeDC(), Session: tgtest.Session{ID: session, AuthKey: crypto.AuthKey{ID: [8]byte{1}}}}
		}
		const half = 500 * time.Millisecond
		tests := []struct {
			session int64
			delay   time.Duration
			want    time.Duration
		}{
			{1, 0, half},     // alone: n/bw
			{1, 0, 2 * half}, // queued behind the first
			{2, 0, half},     // another connection: its own
			{3, 200 * time.Millisecond, half + 200*time.Millisecond}, // latency first
			{2, 600 * time.Millisecond, half + 600*time.Millisecond}, // latency past the queue
		}
		for i, tt := range tests {
			if got := srv.shape(req(tt.session), answer, tt.delay); got != tt.want {
				t.Errorf("answer %d (session %d): delay %v, want %v", i+1, tt.session, got, tt.want)
			}
		}
		time.Sleep(2 * half)
		if got := srv.shape(req(1), answer, 0); got != half {
			t.Errorf("after the queue drained: delay %v, want %v", got, half)
		}
		if n := len(srv.ConnStats()); n != 3 {
			t.Errorf("ConnStats: %d connections, want 3", n)
		}
	})
}

func TestLimitsNormalized(t *testing.T) {
	t.Parallel()
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

// Each bot logs in with its own token and sees its own access hashes; a
// revoked bot's keys and token stop working; a bot outside the channel
// cannot see it.
func TestBots(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{Bots: []Bot{{Token: workerToken}, {Token: outsideToken, NotInChannel: true}}})
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: Pattern(6, 8192)})
	other := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "g.bin", Content: Pattern(7, 8192), DC: srv.OtherDC()})

	if got := srv.BotTokens(); strings.Join(got, ",") != DefaultBotToken+","+workerToken+","+outsideToken {
		t.Errorf("BotTokens = %v", got)
	}
	if srv.BotID(workerToken) != 777001 || srv.BotID("777001:other") != 0 {
		t.Errorf("BotID(worker) = %d, BotID(unknown) = %d", srv.BotID(workerToken), srv.BotID("777001:other"))
	}

	var primaryDoc *tg.Document
	var primaryChannel *tg.InputChannel
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		ch, err := inputChannel(ctx, api, DefaultChannelID)
		if err != nil {
			return err
		}
		primaryChannel = ch
		primaryDoc, err = documentOf(ctx, api, ch, id)
		return err
	})

	runMemory(t, srv, workerToken, func(ctx context.Context, api *tg.Client) error {
		users, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		if err != nil || len(users) != 1 || users[0].GetID() != 777001 {
			return fmt.Errorf("users.getUsers(self) = %v, %v; want user 777001", users, err)
		}
		if u, ok := users[0].(*tg.User); !ok || !u.Bot || !u.Self {
			return fmt.Errorf("self = %+v, want a bot", users[0])
		}
		// The primary bot's access hashes are not the worker's.
		if _, err := getMessage(ctx, api, primaryChannel, id); wantRPCError(err, 400, "CHANNEL_INVALID") != nil {
			return fmt.Errorf("getMessages with the primary bot's channel hash: %v", err)
		}
		if _, err := getFile(ctx, api, docLocation(primaryDoc), 0, 4096); wantRPCError(err, 400, "FILE_ID_INVALID") != nil {
			return fmt.Errorf("getFile with the primary bot's location: %v", err)
		}
		ch, err := inputChannel(ctx, api, DefaultChannelID)
		if err != nil {
			return err
		}
		if ch.AccessHash == primaryChannel.AccessHash {
			return fmt.Errorf("worker sees the primary bot's channel access hash")
		}
		doc, err := documentOf(ctx, api, ch, id)
		if err != nil {
			return err
		}
		if doc.AccessHash == primaryDoc.AccessHash || doc.ID != primaryDoc.ID {
			return fmt.Errorf("worker document %d/%d, primary %d/%d: want same id, own hash", doc.ID, doc.AccessHash, primaryDoc.ID, primaryDoc.AccessHash)
		}
		if b, err := getFile(ctx, api, docLocation(doc), 0, 8192); err != nil || !bytes.Equal(b, contentAt(Pattern(6, 8192), 0, 8192)) {
			return fmt.Errorf("worker getFile: %d bytes, %v", len(b), err)
		}
		// The other DC: the worker's exported authorization makes the key
		// the worker's there too.
		odoc, err := documentOf(ctx, api, ch, other)
		if err != nil {
			return err
		}
		exp, err := api.AuthExportAuthorization(ctx, srv.OtherDC())
		if err != nil || exp.ID != 777001 {
			return fmt.Errorf("worker export: id %v, %v", exp, err)
		}
		on, err := memOnDC(ctx, srv, api, srv.OtherDC())
		if err != nil {
			return fmt.Errorf("worker on DC %d: %w", srv.OtherDC(), err)
		}
		if b, err := getFile(ctx, on, docLocation(odoc), 0, 8192); err != nil || len(b) != 8192 {
			return fmt.Errorf("worker getFile on DC %d: %d bytes, %v", srv.OtherDC(), len(b), err)
		}

		// Revoked: the key stops working, the token no longer logs in.
		srv.RevokeBot(workerToken)
		if _, err := getFile(ctx, api, docLocation(doc), 0, 4096); wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED") != nil {
			return fmt.Errorf("getFile after revoke: %v", err)
		}
		if _, err := getFile(ctx, on, docLocation(odoc), 0, 4096); wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED") != nil {
			return fmt.Errorf("getFile on DC %d after revoke: %v", srv.OtherDC(), err)
		}
		if _, err := memLogin(ctx, srv, workerToken); wantRPCError(err, 400, "ACCESS_TOKEN_INVALID") != nil {
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

	runMemory(t, srv, outsideToken, func(ctx context.Context, api *tg.Client) error {
		if _, err := inputChannel(ctx, api, DefaultChannelID); wantRPCError(err, 400, "CHANNEL_PRIVATE") != nil {
			return fmt.Errorf("getChannels by a bot outside the channel: %v", err)
		}
		return nil
	})
}

func TestBotsRejected(t *testing.T) {
	t.Parallel()
	for _, bots := range [][]Bot{
		{{Token: "nonsense"}},
		{{Token: DefaultBotToken}},
		{{Token: "5:a"}, {Token: "5:b"}},
	} {
		if srv, err := NewMemory(Options{Bots: bots}); err == nil {
			_ = srv.Close()
			t.Errorf("NewMemory with Bots %v: no error", bots)
		}
	}
}
