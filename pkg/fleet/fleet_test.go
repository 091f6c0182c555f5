package fleet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/internal/tgfake/tgfakeclient"
	"github.com/filetolink/filetolink/pkg/bottoken"
	"github.com/filetolink/filetolink/pkg/fleet"
	"github.com/filetolink/filetolink/pkg/stream"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

const mib = 1 << 20

var workers = []tgfake.Bot{{Token: "700001:worker-one"}, {Token: "700002:worker-two"}}

type env struct {
	fake  *tgfake.Server
	fleet *fleet.Fleet
	svc   *stream.Service
}

func newEnv(t testing.TB, bots []tgfake.Bot, tune func(*tgclient.Options)) *env {
	t.Helper()
	fake := tgfake.NewTest(t, tgfake.Options{Bots: bots})
	o := tgfakeclient.Options(fake)
	o.ConnsPerDC = 4
	o.RPCTimeout = 10 * time.Second
	o.FloodWaitBudget = 3 * time.Second
	o.ConnectWait = 30 * time.Second
	if tune != nil {
		tune(&o)
	}
	f := fleet.New(o, fake.BotTokens())
	t.Cleanup(func() { f.Close() })
	return &env{fake: fake, fleet: f, svc: stream.New(f, stream.Options{ChannelID: tgfake.DefaultChannelID, Window: 8})}
}

// download reads message id whole through the stream core and checks every
// byte.
func (e *env) download(t *testing.T, id int, content tgfake.Content) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f, err := e.svc.Resolve(ctx, id)
	if err != nil {
		t.Fatalf("resolve %d: %v", id, err)
	}
	r, err := e.svc.Open(ctx, f, 0, f.Size-1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("download %d: %v after %d bytes", id, err, len(got))
	}
	if !bytes.Equal(got, tgfake.ReadRange(t, content, 0, content.Size()-1)) {
		t.Fatalf("download %d: %d bytes, not the file's", id, len(got))
	}
}

func status(e *env, token string) tgclient.Status {
	id := bottoken.ID(token)
	for _, s := range e.fleet.Status() {
		if s.BotID == id {
			return s
		}
	}
	return tgclient.Status{}
}

func TestPartsSpreadOverBots(t *testing.T) {
	e := newEnv(t, workers, nil)
	content := tgfake.Pattern(1, 8*mib) // a window of parts
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f.bin", Content: content})
	other := tgfake.Pattern(2, 2*mib)
	otherID := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "g.bin", Content: other, DC: e.fake.OtherDC()})
	// Every bot logs in on its first lookup; on a busy machine that takes
	// longer than a download, and a bot serves only once it is in.
	if _, err := e.svc.Resolve(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e)
	// A bot is sent parts of a file it has looked up: the other bots look
	// it up in the background after the first one answered.
	waitCalls(t, e, tg.ChannelsGetMessagesRequestTypeID, len(workers))
	for _, d := range []struct {
		id      int
		content tgfake.Content
	}{{id, content}, {otherID, other}} {
		if _, err := e.svc.Resolve(context.Background(), d.id); err != nil {
			t.Fatal(err)
		}
		waitSpread(t, e, 1+len(workers)) // every bot's lookup over: the download starts on idle bots
		e.download(t, d.id, d.content)
	}
	var total int
	for _, token := range e.fake.BotTokens() {
		st := e.fake.BotStats(token)
		if st.Parts == 0 {
			t.Errorf("bot %s served no part; fleet status %+v", token[:6], e.fleet.Status())
		}
		if s := status(e, token); s.Parts != int64(st.Parts) || s.OutOfRotation != "" || !s.Connected {
			t.Errorf("fleet status of %s: %+v, the fake counted %d parts", token[:6], s, st.Parts)
		}
		total += st.Parts
	}
	// One per MiB, but each download starts alone on three idle bots: its
	// first 2 MiB go out as four calls (each part's share of one per bot,
	// rounded), and neither is long enough to halve its last parts.
	if total != 14 {
		t.Errorf("%d parts in all, want 14 (8 + 2 MiB, two more calls each for the first window)", total)
	}
}

func TestBotNotInChannelOutOfRotation(t *testing.T) {
	e := newEnv(t, []tgfake.Bot{workers[0], {Token: "700003:outsider", NotInChannel: true}}, nil)
	content := tgfake.Pattern(3, 2*mib)
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f.bin", Content: content})
	e.download(t, id, content)
	if st := e.fake.BotStats("700003:outsider"); st.Parts != 0 {
		t.Errorf("the bot outside the channel was sent %d parts", st.Parts)
	}
	waitOut(t, e, "700003:outsider", "not an admin of the log channel")
	if s := status(e, workers[0].Token); s.Parts == 0 || s.OutOfRotation != "" {
		t.Errorf("status of the worker: %+v, want parts and in rotation", s)
	}
	// A stream that starts now spreads over the two bots in rotation (once
	// their background lookups, if any, are over), not the one out.
	waitSpread(t, e, 2)
}

func TestRevokedBotOutOfRotation(t *testing.T) {
	e := newEnv(t, workers, nil)
	content := tgfake.Pattern(4, 12*mib)
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f.bin", Content: content})
	e.download(t, id, content) // every bot logged in and serving
	revoked := workers[1].Token
	e.fake.RevokeBot(revoked)
	before := e.fake.BotStats(revoked).Parts
	e.download(t, id, content)
	waitOut(t, e, revoked, "revoked")
	if after := e.fake.BotStats(revoked).Parts; after != before {
		t.Errorf("the revoked bot served %d more parts", after-before)
	}
}

func TestLongFloodWaitMovesParts(t *testing.T) {
	e := newEnv(t, workers, nil)
	content := tgfake.Pattern(5, 4*mib)
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f.bin", Content: content})
	if _, err := e.svc.Resolve(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	// The next part request, whichever bot sends it, meets a flood wait far
	// over the budget: that bot leaves, the part goes to another.
	e.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_120"), 1)
	e.download(t, id, content)
	out := 0
	for _, s := range e.fleet.Status() {
		if strings.Contains(s.OutOfRotation, "flood wait of 2m0s") {
			out++
		}
	}
	if out != 1 {
		t.Errorf("%d bots out for the flood wait, want 1: %+v", out, e.fleet.Status())
	}
}

func TestEveryBotFloodedReportsTheWait(t *testing.T) {
	e := newEnv(t, workers[:1], nil)
	content := tgfake.Pattern(6, mib) // one part
	id := e.fake.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f.bin", Content: content})
	ctx := context.Background()
	f, err := e.svc.Resolve(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_120"), 2)
	r, err := e.svc.Open(ctx, f, 0, f.Size-1)
	if err == nil {
		_, err = io.ReadAll(r)
		r.Close()
	}
	var fw *stream.FloodWaitError
	if !asFlood(err, &fw) || fw.Wait < 100*time.Second {
		t.Fatalf("got %v, want a flood wait of about 120 s", err)
	}
	// No bot is called while both are out: the wait is answered at once.
	calls := e.fake.Calls(tg.UploadGetFileRequestTypeID)
	r, err = e.svc.Open(ctx, f, 0, 10)
	if err == nil {
		_, err = io.ReadAll(r)
		r.Close()
	}
	if !asFlood(err, &fw) {
		t.Errorf("second download: %v, want the flood wait", err)
	}
	if got := e.fake.Calls(tg.UploadGetFileRequestTypeID); got != calls {
		t.Errorf("%d getFile calls while every bot was out, want 0", got-calls)
	}
}

func asFlood(err error, target **stream.FloodWaitError) bool { return errors.As(err, target) }

// waitOut waits until the bot with token is out of rotation for reason: a
// bot's first lookup may finish after the caller got its answer.
func waitOut(t *testing.T, e *env, token, reason string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := status(e, token)
		if strings.Contains(s.OutOfRotation, reason) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status of %s: %+v, want out of rotation: %s", token[:6], s, reason)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitSpread waits until n bots are idle and in rotation (fleet.Spread):
// background lookups end on their own time.
func waitSpread(t *testing.T, e *env, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for e.fleet.Spread() != n {
		if time.Now().After(deadline) {
			t.Fatalf("Spread() = %d, want %d: %+v", e.fleet.Spread(), n, e.fleet.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitConnected waits until every bot is logged in.
func waitConnected(t testing.TB, e *env) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		all := true
		for _, s := range e.fleet.Status() {
			all = all && s.Connected
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not every bot logged in: %+v", e.fleet.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCalls waits until the fake has seen at least n calls of method.
func waitCalls(t testing.TB, e *env, method uint32, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for e.fake.Calls(method) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls of %#x, want %d", e.fake.Calls(method), method, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
