package app_test

// The whole service as a deployment runs it — config → pkg/tgclient →
// pkg/stream → pkg/web, built by app.New — served over real HTTP
// (httptest.Server) and logged in to the in-process fake Telegram over
// loopback.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/filetolink/filetolink/pkg/links"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/config"
	"github.com/filetolink/filetolink/pkg/tgclient"
)

const mib = 1 << 20

// requestTimeout bounds a request that should succeed: a hang fails the
// test instead of stalling it.
const requestTimeout = 30 * time.Second * slowFactor

// recoverWithin bounds the wait for the service to recover after Telegram's
// return. Recovery is an event (a complete download), not a speed: on a
// loaded machine the key exchange and login alone may take many seconds,
// so this only keeps a service that never recovers from stalling the test.
const recoverWithin = 2 * time.Minute * slowFactor

// eventWithin bounds the wait for an event a test expects (a call the fake
// sees), as a hang guard, not a speed.
const eventWithin = time.Minute * slowFactor

// site is one App over one fake Telegram.
type site struct {
	fake *tgfake.Server
	app  *app.App
	srv  *httptest.Server // nil in memory
	// base is the site's URL; dial, when set, reaches it (in memory).
	base string
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	logs *tgfake.LogBuffer
	// secrets must never appear in the logs.
	secrets []string
}

// defaultConfig is what config.FromEnv yields for the fake's credentials
// and no tuning variables: the defaults of pkg/config (checked by
// TestDefaultConfigIsFromEnv).
func defaultConfig(homeDC int) config.Config {
	return config.Config{
		APIID:     tgfake.DefaultAPIID,
		APIHash:   tgfake.DefaultAPIHash,
		BotToken:  tgfake.DefaultBotToken,
		ChannelID: tgfake.DefaultChannelID,
		DC:        homeDC,
		// Everything else zero: each package's default.
	}
}

// newSite starts a fake Telegram and an App over it with the default
// configuration, adjusted by tune (may be nil), logged in to the home DC:
// the tests' requests do not depend on how long a login takes on a busy
// machine. Nothing else is warm: no channel, message or other-DC pool.
func newSite(t *testing.T, tune func(*config.Config)) *site {
	t.Helper()
	s := newColdSite(t, tune)
	s.login(t)
	return s
}

// siteSlots bounds the sites (a fake Telegram and a client: key
// generation, key exchanges, encryption) alive at once. The tests run their
// cases concurrently; on a loaded 2-core machine two dozen sites at once
// starve each other until every hang guard fires, while a few at a time
// each get the CPU they need (the logins among them, loginSlots). Each
// test uses one site at a time.
var siteSlots = make(chan struct{}, 6)

// loginSlots bounds the logins (a DH key exchange: CPU) run at once.
var loginSlots = make(chan struct{}, 2)

// login waits until the App's Telegram client is logged in.
func (s *site) login(t *testing.T) {
	t.Helper()
	loginSlots <- struct{}{}
	defer func() { <-loginSlots }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute*slowFactor)
	defer cancel()
	for {
		// API waits at most the client's ConnectWait; the login goes on.
		_, err := s.app.Telegram.API(ctx)
		if err == nil {
			return
		}
		if !errors.Is(err, tgclient.ErrNotConnected) || ctx.Err() != nil {
			t.Fatalf("login: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newColdSite is newSite without the login: the first request logs in.
func newColdSite(t *testing.T, tune func(*config.Config)) *site {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against the fake Telegram")
	}
	return newColdSiteOn(t, tgfake.NewTest(t, tgfake.Options{}), tune)
}

// newColdSiteOn is newColdSite over a fake the caller started (NewTest,
// which closes it) and may share between sites whose faults do not
// interfere.
func newColdSiteOn(t *testing.T, fake *tgfake.Server, tune func(*config.Config)) *site {
	t.Helper()
	// Released after the site is closed (cleanups run in reverse).
	siteSlots <- struct{}{}
	t.Cleanup(func() { <-siteSlots })
	cfg := defaultConfig(fake.HomeDC())
	if tune != nil {
		tune(&cfg)
	}
	logs := &tgfake.LogBuffer{}
	a, err := app.New(cfg, app.Options{
		Telegram: func(o *tgclient.Options) {
			o.DCList = fake.DCList()
			o.PublicKeys = fake.PublicKeys()
			o.Resolver = fake.Resolver()
			o.DC = fake.HomeDC()
		},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{fake: fake, app: a, srv: httptest.NewServer(a.Handler), logs: logs, secrets: []string{cfg.BotToken}}
	s.base = s.srv.URL
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
		a.Close()
		s.checkLogs(t)
	})
	return s
}

// add posts a file to the log channel and remembers its code as a secret.
func (s *site) add(code string, m *tgfake.Media) int {
	s.secrets = append(s.secrets, code)
	return s.fake.AddMessage(code, m)
}

// checkLogs fails the test if a secret reached the logs.
func (s *site) checkLogs(t *testing.T) {
	t.Helper()
	logs := s.logs.String()
	for _, secret := range s.secrets {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("the logs hold the secret %q", secret)
		}
	}
	if t.Failed() {
		t.Logf("service logs:\n%s", tail(logs, 40))
	}
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

func dlPath(id int, code string) string { return links.Download("", id, links.Code(code)) }

// result is one HTTP exchange: the response (nil if none came), the body
// read until the end or an error, the error, and how long it all took.
type result struct {
	resp    *http.Response
	body    []byte
	err     error
	elapsed time.Duration
}

func (r result) status() int {
	if r.resp == nil {
		return 0
	}
	return r.resp.StatusCode
}

func (r result) String() string {
	if r.resp == nil {
		return fmt.Sprintf("no response after %s: %v", r.elapsed.Round(time.Millisecond), r.err)
	}
	s := fmt.Sprintf("%d after %s, %d body bytes", r.resp.StatusCode, r.elapsed.Round(time.Millisecond), len(r.body))
	if r.resp.StatusCode >= 300 && len(r.body) < 300 {
		s += fmt.Sprintf(" %q", r.body)
	}
	if r.err != nil {
		s += fmt.Sprintf(", error %v", r.err)
	}
	return s
}

// get does one request bounded by timeout (headers and body), so that a
// hang is a test failure, not a stuck test. Header pairs follow path.
func (s *site) get(t *testing.T, timeout time.Duration, path string, headers ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	resp, err := s.open(ctx, t, path, headers...)
	res := result{resp: resp, err: err}
	if err == nil {
		res.body, res.err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	res.elapsed = time.Since(start)
	return res
}

// open sends a request and returns the response with its body unread.
func (s *site) open(ctx context.Context, t *testing.T, path string, headers ...string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return s.client().Do(req)
}

// client is a client of its own for one request: no connection reuse
// between requests, so a broken response cannot leak into the next one.
func (s *site) client() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true, DialContext: s.dial},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// waitRecovered polls path, the whole of content, until a download is
// complete and byte-exact, for at most recoverWithin. Meanwhile 503s are
// expected, and so are downloads that break with a transport error after
// their status went out; wrong bytes or a silently short body never are.
func (s *site) waitRecovered(t *testing.T, path string, content tgfake.Content) {
	t.Helper()
	whole := tgfake.ReadRange(t, content, 0, content.Size()-1)
	back := time.Now()
	for {
		res := s.get(t, requestTimeout, path)
		switch {
		case res.status() == http.StatusOK && res.err == nil:
			checkExact(t, res, http.StatusOK, whole)
			t.Logf("recovered %s after Telegram came back", time.Since(back).Round(time.Millisecond))
			return
		case res.status() == http.StatusOK:
			if !bytes.HasPrefix(whole, res.body) || len(res.body) == len(whole) {
				t.Fatalf("while recovering: %s; want a true prefix of the file before the error", res)
			}
			t.Logf("while recovering: %s", res)
		case res.status() != http.StatusServiceUnavailable:
			t.Fatalf("while recovering: %s, want 503 or 200", res)
		}
		if time.Since(back) > recoverWithin {
			t.Fatalf("not recovered %s after Telegram came back: %s", recoverWithin, res)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkExact requires a complete response with status and exactly body.
func checkExact(t *testing.T, res result, status int, body []byte) {
	t.Helper()
	if res.status() != status || res.err != nil {
		t.Fatalf("got %s, want a complete %d", res, status)
	}
	if cl := res.resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q, want %d", cl, len(body))
	}
	if !bytes.Equal(res.body, body) {
		t.Fatalf("body differs from the file: %d bytes, want %d; first difference at %d",
			len(res.body), len(body), firstDiff(res.body, body))
	}
}

// checkUnavailable requires a 503 with a Retry-After of about wantRetry
// (0: any) and a one-line text/plain reason.
func checkUnavailable(t *testing.T, res result, wantRetry time.Duration) {
	t.Helper()
	if res.status() != http.StatusServiceUnavailable || res.err != nil {
		t.Fatalf("got %s, want 503", res)
	}
	ra := res.resp.Header.Get("Retry-After")
	secs, err := strconv.Atoi(ra)
	if err != nil || secs < 1 {
		t.Errorf("Retry-After %q, want whole seconds", ra)
	}
	if wantRetry > 0 {
		if d := time.Duration(secs) * time.Second; d < wantRetry || d > wantRetry+time.Second {
			t.Errorf("Retry-After %q, want about %s", ra, wantRetry)
		}
	}
	if ct := res.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	if line := strings.TrimSuffix(string(res.body), "\n"); line == "" || strings.Contains(line, "\n") {
		t.Errorf("body %q, want one line", res.body)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// waitFor polls cond every 20 ms until it holds or within passes.
func waitFor(within time.Duration, cond func() bool) bool {
	return waitEvery(within, 20*time.Millisecond, cond)
}

// slowPoll is the pause between polls whose cond costs (HTTP requests,
// reading every log line): under -race on two cores, polling them every
// 20 ms takes the CPU the awaited event needs.
const slowPoll = 250 * time.Millisecond

// waitEvery polls cond every interval until it holds or within passes.
func waitEvery(within, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// errWrongBytes: a body byte differs from the file's.
var errWrongBytes = errors.New("wrong bytes")

// compareBody reads r to its end, checking every byte against c from
// offset off on, without holding the body. It returns the offset reached
// and the read error (nil at a clean end), or errWrongBytes.
func compareBody(r io.Reader, c tgfake.Content, off int64) (int64, error) {
	buf := make([]byte, 64<<10)
	ref := make([]byte, len(buf))
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if off+int64(n) > c.Size() {
				return off, fmt.Errorf("%w: body longer than the file's %d bytes", errWrongBytes, c.Size())
			}
			if m, _ := c.ReadAt(ref[:n], off); m != n || !bytes.Equal(buf[:n], ref[:n]) {
				return off, fmt.Errorf("%w: at or after byte %d (first difference at %d)", errWrongBytes, off, off+int64(firstDiff(buf[:n], ref[:n])))
			}
			off += int64(n)
		}
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			return off, err
		}
	}
}

// runAll runs n cases as subtests named name(i), all at once, and returns
// when every one has. The cases mostly wait — on Telegram's pauses, RPC
// timeouts, reconnection backoffs — so side by side they take about as long
// as the slowest, whatever -parallel is (t.Run may be called from several
// goroutines; these subtests do not count against -parallel).
func runAll(t *testing.T, n int, name func(i int) string, run func(t *testing.T, i int)) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			// Owned by runAll, which waits for it.
			defer wg.Done()
			t.Run(name(i), func(t *testing.T) { run(t, i) })
		}()
	}
	wg.Wait()
}

// methodName is the TL name of a request type id: "upload.getFile".
func methodName(id uint32) string {
	name, _, _ := strings.Cut(tg.TypesMap()[id], "#")
	return name
}
