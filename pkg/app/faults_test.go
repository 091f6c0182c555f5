package app_test

// Faults: the service keeps serving correct bytes, or says clearly that
// it cannot, when Telegram misbehaves.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

// FLOOD_WAIT on each kind of call a download makes. Waits within
// FLOOD_WAIT_BUDGET (5 s by default) are waited out and the download is
// byte-exact; longer ones are a 503 whose Retry-After is the wait, at once.
// Either way the next request works: nothing is left broken or cached.
// In memory, in fake time: the calls of the stream core.
func TestFloodWait(t *testing.T) {
	tests := []floodWaitCase{
		{tg.ChannelsGetChannelsRequestTypeID, floodShort, false, "", 1},
		{tg.ChannelsGetChannelsRequestTypeID, floodLong, false, "", 1},
		{tg.ChannelsGetMessagesRequestTypeID, floodShort, false, "", 1},
		{tg.ChannelsGetMessagesRequestTypeID, floodLong, false, "", 1},
		{tg.UploadGetFileRequestTypeID, floodShort, false, "", 4},
		{tg.UploadGetFileRequestTypeID, floodLong, false, floodOnePart, 1},
		{tg.UploadGetFileRequestTypeID, floodShort, true, "", 4},
		{tg.UploadGetFileRequestTypeID, floodLong, true, floodOnePart, 1},
		// The calls that move the authorization to the other DC (its
		// first use), through the same policies as the client's transfer.
		{tg.AuthExportAuthorizationRequestTypeID, floodShort, true, "", 1},
		{tg.AuthExportAuthorizationRequestTypeID, floodLong, true, "", 1},
		{tg.AuthImportAuthorizationRequestTypeID, floodShort, true, "", 1},
		{tg.AuthImportAuthorizationRequestTypeID, floodLong, true, "", 1},
	}
	t.Parallel()
	inMemory(t, len(tests), func(i int) string { return tests[i].String() }, func(t *testing.T, i int) {
		tests[i].run(t, newMemSite(t, nil), i)
	})
}

// TestFloodWait over MTProto, once: the client's own moving of the
// authorization to another DC, its import flooded and waited out. The
// other flood waits of the transfer (export, import; within and beyond the
// budget) are TestFloodWait's cases in memory, through the same policies.
func TestFloodWaitOnAuthTransfer(t *testing.T) {
	t.Parallel()
	tt := floodWaitCase{tg.AuthImportAuthorizationRequestTypeID, floodShort, true, "", 1}
	tt.run(t, newSite(t, nil), 0)
}

const (
	floodSize  = 3*mib + 5
	floodShort = time.Second       // within FLOOD_WAIT_BUDGET
	floodLong  = 120 * time.Second // beyond it
	// A range inside the first MiB makes exactly one getFile call: the
	// flooded one. A whole-file download makes four at once; any of them
	// may be the flooded one.
	floodOnePart = "bytes=100-500000"
)

type floodWaitCase struct {
	method uint32
	wait   time.Duration
	other  bool   // the file lives on the other DC: its first use exports the authorization
	rng    string // Range header ("" = the whole file)
	calls  int    // calls of method a clean download makes
}

func (tt floodWaitCase) String() string {
	name := fmt.Sprintf("%s %s", methodName(tt.method), tt.wait)
	if tt.other {
		name += " other DC"
	}
	return name
}

func (tt floodWaitCase) run(t *testing.T, s *site, i int) {
	const size = floodSize
	content := tgfake.Pattern(uint64(i), size)
	m := &tgfake.Media{Kind: tgfake.KindDocument, Name: "f.bin", Content: content}
	if tt.other {
		m.DC = s.fake.OtherDC()
	}
	id := s.add("flood code", m)
	status, first, last := http.StatusOK, int64(0), int64(size-1)
	if tt.rng != "" {
		status, first, last = http.StatusPartialContent, 100, 500000
	}
	body := tgfake.ReadRange(t, content, first, last)
	s.fake.FailNext(tt.method, tgerr.New(420, "FLOOD_WAIT_"+strconv.Itoa(int(tt.wait/time.Second))), 1)

	res := s.get(t, requestTimeout, dlPath(id, "flood code"), "Range", tt.rng)
	if tt.wait <= tgclient.DefaultFloodWaitBudget {
		checkExact(t, res, status, body)
		if res.elapsed < tt.wait {
			t.Errorf("answered after %s: the %s wait was not honoured", res.elapsed, tt.wait)
		}
		// Met once, then retried.
		if got, want := s.fake.Calls(tt.method), tt.calls+1; got != want {
			t.Errorf("%d calls, want %d (one flooded, then the clean ones)", got, want)
		}
	} else {
		checkUnavailable(t, res, tt.wait)
		// Reported, not waited out: one call, and the answer came
		// before the wait was over (however loaded the machine).
		if res.elapsed >= tt.wait {
			t.Errorf("the 503 took %s: the %s wait was waited out", res.elapsed, tt.wait)
		}
		if got := s.fake.Calls(tt.method); got != 1 {
			t.Errorf("%d calls, want 1: a wait over the budget is not waited out", got)
		}
	}

	// Nothing stays broken or cached: the same link works now.
	checkExact(t, s.get(t, requestTimeout, dlPath(id, "flood code"), "Range", tt.rng), status, body)
}

// Faults that hit a download after its status and first mebibyte went
// out. The rest of the body is byte-exact when the service can recover
// (it follows FILE_MIGRATE, refreshes an expired file reference, retries
// a dropped connection); when it cannot, the response ends with a
// transport error the client sees — never wrong bytes, never a clean end
// short of Content-Length. In memory, in fake time: the faults the stream
// core meets in Telegram's answers.
func TestMidStreamFaults(t *testing.T) {
	tests := midStreamFaults(false)
	t.Parallel()
	inMemory(t, len(tests), func(i int) string { return tests[i].name }, func(t *testing.T, i int) {
		tests[i].run(t, newMemSite(t, nil), i)
	})
}

// TestMidStreamFaults over MTProto: the faults of the connection itself,
// each on a file of its own: the dropped connections one after another on
// one logged-in site, and beside them the outage on a site of its own. A
// smaller window and file than in memory keep the fault mid-stream with
// fewer bytes through MTProto (encryption under -race).
func TestMidStreamFaultsOnTheWire(t *testing.T) {
	var dropped, outage []midStreamFault
	for _, tt := range midStreamFaults(true) {
		if tt.outage {
			outage = append(outage, tt)
		} else {
			dropped = append(dropped, tt)
		}
	}
	groups := [][]midStreamFault{dropped, outage}
	t.Parallel()
	runAll(t, len(groups), func(g int) string { return []string{"dropped", "outage"}[g] }, func(t *testing.T, g int) {
		s := newSite(t, func(c *config.Config) {
			c.Tuning.Window = midStreamWireWindow
			c.Tuning.RPCTimeout = wireRPCTimeout // the outage is known sooner
		})
		for i, tt := range groups[g] {
			if !t.Run(tt.name, func(t *testing.T) { tt.run(t, s, i) }) {
				t.Fatal("the site may not have recovered: later cases would fail for it")
			}
		}
	})
}

type midStreamFault struct {
	name string
	// fault is injected after the client read the first MiB; read
	// reads and checks n more bytes of the body.
	fault func(t *testing.T, s *site, id int, read func(n int64))
	// complete: the body must arrive whole; otherwise it must break.
	complete bool
	// method is a call the fault must have caused (0: none checked):
	// at least (exact: exactly) extra calls of it after the fault,
	// beyond those of a clean download.
	method uint32
	extra  int
	exact  bool
	// other: the file lives on the other DC.
	other bool
	// wire: a fault of the MTProto connection, not of an answer.
	wire bool
	// outage: Telegram stays away until the case ends.
	outage bool
}

// The file and the window on the wire (STREAM_WINDOW; in memory the
// default): the reader stops a window of parts (plus what the HTTP
// connection holds: nothing in memory, up to a few MiB over loopback)
// beyond what the client read, well before the end of the file.
const (
	midStreamSize       = 16 * mib
	midStreamWireWindow = 4
)

// wireRPCTimeout is TG_RPC_TIMEOUT for the wire's outages: shorter than the
// default, so that an outage is known (and a test of it ends) sooner, and
// still many times what a call takes under -race on a busy machine.
const wireRPCTimeout = 8 * time.Second

// midStreamFaults are the faults of the wire (wire) or the others.
func midStreamFaults(wire bool) []midStreamFault {
	// recovered: inject makes the next getFile calls fail in a way the
	// reader recovers from, with extra getFile calls.
	recovered := func(name string, extra int, inject func(s *site)) midStreamFault {
		return midStreamFault{
			name:     name,
			fault:    func(t *testing.T, s *site, id int, read func(int64)) { inject(s) },
			complete: true,
			method:   tg.UploadGetFileRequestTypeID,
			extra:    extra,
		}
	}
	onWire := func(f midStreamFault) midStreamFault { f.wire = true; return f }
	tests := []midStreamFault{
		recovered("FILE_MIGRATE to the other DC and back", 2, func(s *site) {
			// The home DC's file, but Telegram says it moved: the reader
			// goes to DC 4, which sends it back to DC 2.
			s.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(303, "FILE_MIGRATE_"+strconv.Itoa(s.fake.OtherDC())), 1)
		}),
		recovered("FILE_MIGRATE to the same DC", 1, func(s *site) {
			s.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(303, "FILE_MIGRATE_"+strconv.Itoa(s.fake.HomeDC())), 1)
		}),
		{
			name:     "FILE_REFERENCE_EXPIRED",
			fault:    func(t *testing.T, s *site, id int, read func(int64)) { s.fake.ExpireFileReferences() },
			complete: true,
			method:   tg.ChannelsGetMessagesRequestTypeID,
			extra:    1, // one refresh for every part that met the expiry
			exact:    true,
		},
		onWire(recovered("connection dropped", 1, func(s *site) { s.fake.DropNext(tg.UploadGetFileRequestTypeID, 1) })),
		{
			// A freeze while streaming: answers come 10 s late, within
			// the RPC timeout.
			name:     "Telegram paused",
			fault:    func(t *testing.T, s *site, id int, read func(int64)) { s.fake.Pause(10 * time.Second) },
			complete: true,
		},
		onWire(recovered("connections dropped three times", 3, func(s *site) { s.fake.DropNext(tg.UploadGetFileRequestTypeID, 3) })),
		{
			name: "FILE_REFERENCE_EXPIRED twice",
			fault: func(t *testing.T, s *site, id int, read func(int64)) {
				// One refresh per stream: the second expiry ends it.
				before := s.fake.Calls(tg.ChannelsGetMessagesRequestTypeID)
				s.fake.ExpireFileReferences()
				read(8 * mib) // makes the reader fetch, and so refresh
				if !waitFor(eventWithin, func() bool { return s.fake.Calls(tg.ChannelsGetMessagesRequestTypeID) > before }) {
					t.Fatal("the file reference was not refreshed")
				}
				s.fake.ExpireFileReferences()
			},
			complete: false,
		},
		{
			name:     "message deleted",
			fault:    func(t *testing.T, s *site, id int, read func(int64)) { s.fake.DeleteMessage(id) },
			complete: false,
		},
		{
			name: "long FLOOD_WAIT",
			fault: func(t *testing.T, s *site, id int, read func(int64)) {
				s.fake.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_120"), 1)
			},
			complete: false,
		},
		{
			name: "Telegram gone",
			fault: func(t *testing.T, s *site, id int, read func(int64)) {
				s.fake.SetReachable(false)
				t.Cleanup(func() { s.fake.SetReachable(true) })
			},
			complete: false,
			wire:     true,
			outage:   true,
		},
	}
	// Two of them also on a file of the other DC (its own connections, its
	// own reference refresh), with the same expectations.
	for _, name := range []string{"connection dropped", "FILE_REFERENCE_EXPIRED"} {
		for _, tt := range tests {
			if tt.name == name {
				tt.name, tt.other = name+", other DC", true
				tests = append(tests, tt)
			}
		}
	}
	return slices.DeleteFunc(tests, func(tt midStreamFault) bool { return tt.wire != wire })
}

func (tt midStreamFault) run(t *testing.T, s *site, i int) {
	size := int64(midStreamSize)
	content := tgfake.Pattern(uint64(100+i), size)
	m := &tgfake.Media{Kind: tgfake.KindVideo, Name: "v.mp4", MIMEType: "video/mp4", Content: content}
	if tt.other {
		m.DC = s.fake.OtherDC()
	}
	id := s.add("mid code", m)
	// Warm up: login, channel, message; then count from zero.
	checkExact(t, s.get(t, requestTimeout, dlPath(id, "mid code"), "Range", "bytes=0-0"), http.StatusPartialContent, tgfake.ReadRange(t, content, 0, 0))
	s.fake.ResetCalls()

	// Long enough for any recovery; a failure must show well before.
	ctx, cancel := context.WithTimeout(context.Background(), (2*tgclient.DefaultRPCTimeout+time.Minute)*slowFactor)
	defer cancel()
	resp, err := s.open(ctx, t, dlPath(id, "mid code"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != size {
		t.Fatalf("%d, Content-Length %d; want 200, %d", resp.StatusCode, resp.ContentLength, size)
	}
	head, err := compareBody(io.LimitReader(resp.Body, mib), content, 0)
	if err != nil || head != mib {
		t.Fatalf("first MiB: %d bytes, %v", head, err)
	}
	// Let the window fill: the reader stops after STREAM_WINDOW
	// parts nobody reads, far from the end of the file.
	time.Sleep(200 * time.Millisecond)
	if fetched := int64(s.fake.Calls(tg.UploadGetFileRequestTypeID)); fetched >= size/mib-4 {
		t.Fatalf("%d of %d parts fetched before the fault: it would not be mid-stream", fetched, size/mib)
	}
	read := func(n int64) {
		got, err := compareBody(io.LimitReader(resp.Body, n), content, head)
		if err != nil || got != head+n {
			t.Fatalf("bytes %d-%d: got to %d: %v", head, head+n-1, got, err)
		}
		head = got
	}
	tt.fault(t, s, id, read)

	n, err := compareBody(resp.Body, content, head)
	switch {
	case errors.Is(err, errWrongBytes):
		t.Fatal(err)
	case err == nil && n != size:
		t.Fatalf("silently short: the body ended cleanly after %d of %d bytes", n, size)
	case err == nil && !tt.complete:
		t.Fatalf("the body arrived whole; want it broken")
	case err != nil && tt.complete:
		t.Fatalf("the body broke after %d of %d bytes: %v", n, size, err)
	case err != nil && (n == size || errors.Is(err, context.DeadlineExceeded)):
		t.Fatalf("after %d of %d bytes: %v; want a transport error before the end", n, size, err)
	}
	if tt.method != 0 {
		normal := 0 // calls of a clean download since ResetCalls
		if tt.method == tg.UploadGetFileRequestTypeID {
			normal = int(size / mib)
		}
		got := s.fake.Calls(tt.method) - normal
		if got < tt.extra || (tt.exact && got != tt.extra) {
			t.Errorf("%d calls of %s beyond a clean download's, want %d: the fault was not met as planned",
				got, methodName(tt.method), tt.extra)
		}
	}
}

// Telegram down when the first request arrives (a cold start during an
// outage): a 503 with Retry-After within a few seconds, and the service
// recovers on its own once Telegram is back, without a restart.
func TestUnreachableAtColdStart(t *testing.T) {
	t.Parallel()
	s := newColdSite(t, nil)
	content := tgfake.Pattern(7, 2*mib+3)
	id := s.add("cold code", &tgfake.Media{Kind: tgfake.KindDocument, Name: "c.bin", Content: content})
	s.fake.SetReachable(false)

	res := s.get(t, requestTimeout, dlPath(id, "cold code"))
	checkUnavailable(t, res, 0) // a 503 within requestTimeout: not a hang
	// Still down: still a 503, not a hang or a cached failure of another kind.
	checkUnavailable(t, s.get(t, requestTimeout, dlPath(id, "cold code")), 0)

	s.fake.SetReachable(true)
	s.waitRecovered(t, dlPath(id, "cold code"), content)
}

// Telegram goes away while the service is warm (logged in, pools open,
// the message cached): new downloads get a 503 within the RPC timeout —
// not after every retry of every part has timed out — and once the outage
// is known, at once. The service recovers by itself when Telegram returns.
func TestOutageWhileWarm(t *testing.T) {
	t.Parallel()
	rpcTimeout := wireRPCTimeout
	s := newSite(t, func(c *config.Config) { c.Tuning.RPCTimeout = rpcTimeout })
	content := tgfake.Pattern(8, 3*mib+3)
	whole := tgfake.ReadRange(t, content, 0, content.Size()-1)
	id := s.add("warm code", &tgfake.Media{Kind: tgfake.KindDocument, Name: "w.bin", Content: content})
	checkExact(t, s.get(t, requestTimeout, dlPath(id, "warm code")), http.StatusOK, whole)

	s.fake.SetReachable(false)
	down := time.Now()
	res := s.get(t, 2*rpcTimeout+requestTimeout, dlPath(id, "warm code"))
	checkUnavailable(t, res, 0)
	// Within about one RPC timeout: every retry of every part timing out
	// in turn would take PartRetries (3) times as long.
	if limit := 2 * rpcTimeout * slowFactor; res.elapsed > limit {
		t.Errorf("the first 503 of the outage took %s, want at most %s", res.elapsed.Round(time.Millisecond), limit)
	}
	if wait := rpcTimeout + time.Second - time.Since(down); wait > 0 {
		time.Sleep(wait)
	}
	res = s.get(t, 2*rpcTimeout+requestTimeout, dlPath(id, "warm code"), "Range", "bytes=0-99")
	checkUnavailable(t, res, 0)
	// At once, not after another RPC timeout.
	if limit := rpcTimeout / 2 * slowFactor; res.elapsed > limit {
		t.Errorf("a 503 during a known outage took %s, want well under the RPC timeout", res.elapsed.Round(time.Millisecond))
	}

	s.fake.SetReachable(true)
	s.waitRecovered(t, dlPath(id, "warm code"), content)
}

// A "freeze": the process is suspended between two invocations (Lambda)
// and Telegram answers nothing meanwhile. The next request succeeds, also
// when Telegram dropped the connections during the freeze. The pause alone
// in memory, in fake time; with dropped connections over MTProto.
func TestFreeze(t *testing.T) {
	tests := freezes(false)
	t.Parallel()
	inMemory(t, len(tests), func(i int) string { return tests[i].name }, func(t *testing.T, i int) {
		tests[i].run(t, newMemSite(t, nil), i)
	})
}

// TestFreeze over MTProto: the freezes that drop the connections, one
// after the other on one logged-in site, each on files of its own.
func TestFreezeOnTheWire(t *testing.T) {
	tests := freezes(true)
	t.Parallel()
	s := newSite(t, nil)
	for i, tt := range tests {
		if !t.Run(tt.name, func(t *testing.T) { tt.run(t, s, i) }) {
			t.Fatal("the site may not have recovered: later cases would fail for it")
		}
	}
}

// How long Telegram answers nothing in a freeze: in memory (fake time) and
// on the wire, where the connections are redialled meanwhile and real time
// passes.
const (
	freezePause     = 10 * time.Second
	freezeWirePause = 5 * time.Second
)

type freeze struct {
	name   string
	pause  time.Duration
	freeze func(s *site)
	// slow: the request must wait for the end of the pause.
	slow bool
	// wire: the connections drop.
	wire bool
}

func freezes(wire bool) []freeze {
	pause := freezePause
	if wire {
		pause = freezeWirePause
	}
	tests := []freeze{
		{"paused", pause, func(s *site) { s.fake.Pause(pause) }, true, false},
		{"connections dropped", pause, func(s *site) {
			s.fake.SetReachable(false)
			time.Sleep(100 * time.Millisecond)
			s.fake.SetReachable(true)
		}, false, true},
		{"paused and connections dropped", pause, func(s *site) {
			s.fake.Pause(pause)
			s.fake.SetReachable(false)
			time.Sleep(100 * time.Millisecond)
			s.fake.SetReachable(true)
		}, true, true},
	}
	return slices.DeleteFunc(tests, func(tt freeze) bool { return tt.wire != wire })
}

func (tt freeze) run(t *testing.T, s *site, i int) {
	pause := tt.pause
	content := tgfake.Pattern(uint64(200+i), 3*mib+1)
	home := s.add("freeze code", &tgfake.Media{Kind: tgfake.KindVideo, Name: "v.mp4", Content: content})
	other := s.add("freeze code", &tgfake.Media{Kind: tgfake.KindVideo, Name: "w.mp4", Content: content, DC: s.fake.OtherDC()})
	whole := tgfake.ReadRange(t, content, 0, content.Size()-1)
	// Warm: logged in, both messages known, both DCs' connections open.
	for _, id := range []int{home, other} {
		checkExact(t, s.get(t, requestTimeout, dlPath(id, "freeze code"), "Range", "bytes=0-1023"), http.StatusPartialContent, whole[:1024])
	}

	frozen := time.Now()
	tt.freeze(s)
	for _, id := range []int{home, other} {
		res := s.get(t, pause+requestTimeout, dlPath(id, "freeze code"), "Range", "bytes=1000-2099999")
		checkExact(t, res, http.StatusPartialContent, whole[1000:2100000])
		t.Logf("message %d after the freeze: %s", id, res)
		if tt.slow && time.Since(frozen) < pause-time.Second {
			t.Errorf("answered %s after the freeze began: the pause of %s was not met", time.Since(frozen), pause)
		}
	}
}
