package main

// Load tests of the server binary against the fake Telegram: many clients
// at once read random ranges of a large file, every byte is checked, and
// the server process's memory and goroutines are watched from outside.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
)

const (
	loadFileSize  = 256 << 20 // the file the clients read
	loadMaxRange  = 4 << 20   // the largest range one request asks for
	loadRSSLimit  = 300 << 20 // the server's resident memory may never exceed this
	loadCode      = "load-test-code"
	loadMaxErrors = 20 // failures kept for the report

	// goroutineSlack is how many more goroutines than at the baseline the
	// server may run once the load is over (timers, a lingering
	// connection, the runtime's own).
	goroutineSlack = 10
	// settleTime bounds how long the server has to get back to its
	// baseline after the load stops.
	settleTime = 10 * time.Second
)

func TestLoad100Streams(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: 30 s of 100 streams")
	}
	lt := startLoadTarget(t)
	res := lt.run(t, loadSpec{clients: 100, duration: 30 * time.Second})
	t.Logf("100 clients: %s", res)

	res.checkBytes(t)
	if res.ok.Load() < 100 {
		t.Errorf("only %d ranges served in 30 s", res.ok.Load())
	}
	// At most MAX_STREAMS (100) requests are ever in flight, so nothing
	// should be turned away; a few 503s in the instant between one
	// request's end and the next one's start are tolerated.
	if res.shed.Load()*100 > res.requests.Load() {
		t.Errorf("%d of %d requests were turned away with 503", res.shed.Load(), res.requests.Load())
	}
	lt.checkMemory(t)
	lt.checkGoroutinesSettle(t)
}

func TestLoad500ClientsShedExcess(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: 500 clients")
	}
	lt := startLoadTarget(t)
	res := lt.run(t, loadSpec{clients: 500, duration: 10 * time.Second})
	t.Logf("500 clients: %s", res)

	res.checkBytes(t)
	if res.shed.Load() == 0 {
		t.Error("500 clients against MAX_STREAMS=100: no request was turned away with 503")
	}
	if res.ok.Load() == 0 {
		t.Error("no range was served")
	}
	select {
	case err := <-lt.server.done:
		lt.server.done <- err
		t.Fatalf("the server exited under load: %v\n%s", err, lastLines(lt.server.out.String(), 20))
	default:
	}
	if resp, body := get(t, lt.server.base+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz after the load: %d %s", resp.StatusCode, body)
	}
	lt.checkMemory(t)
	lt.checkGoroutinesSettle(t)
}

// loadTarget is a server binary serving one large file from the fake
// Telegram, with its memory watched from the start.
type loadTarget struct {
	server    *serverProcess
	content   tgfake.Content
	url       string
	mem       *memoryWatch
	baseline  int // the server's goroutines after a warm-up, with no request in flight
	transport *http.Transport
}

func startLoadTarget(t *testing.T) *loadTarget {
	t.Helper()
	fake, env := fakeTelegram(t)
	content := tgfake.Pattern(0x10ad, loadFileSize)
	id := fake.AddMessage(loadCode, &tgfake.Media{Kind: tgfake.KindDocument, Name: "load.bin", MIMEType: "application/octet-stream", Content: content})
	p := startServer(t, env)
	lt := &loadTarget{
		server:  p,
		content: content,
		url:     fmt.Sprintf("%s/dl/%d?code=%s", p.base, id, loadCode),
		mem:     watchMemory(p.cmd.Process.Pid, 50*time.Millisecond),
	}
	t.Cleanup(lt.mem.stop)

	// Warm up: log in, resolve the message and open the download
	// connections, so the baseline counts what stays for good. On a busy
	// machine (go test runs packages side by side) the login alone can
	// take seconds: wait for it and for one whole answer first.
	waitServing(t, lt.url)
	warm := lt.run(t, loadSpec{clients: 16, duration: 3 * time.Second})
	warm.checkBytes(t)
	if warm.ok.Load() == 0 {
		t.Fatalf("warm-up served nothing: %s\n%s", warm, lastLines(p.out.String(), 20))
	}
	lt.baseline = lt.goroutines(t)
	t.Logf("baseline after warm-up: %d goroutines, RSS %s", lt.baseline, mib(lt.mem.current()))
	return lt
}

// loadSpec is one round of load.
type loadSpec struct {
	clients  int
	duration time.Duration
}

// run has spec.clients clients read random ranges for spec.duration, then
// closes their connections.
func (lt *loadTarget) run(t *testing.T, spec loadSpec) *loadResult {
	t.Helper()
	tr := &http.Transport{
		MaxIdleConns:        spec.clients,
		MaxIdleConnsPerHost: spec.clients,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}

	ctx, cancel := context.WithTimeout(context.Background(), spec.duration)
	defer cancel()
	res := &loadResult{started: time.Now()}
	var wg sync.WaitGroup
	for i := range spec.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &loadClient{
				http:    client,
				url:     lt.url,
				content: lt.content,
				rng:     rand.New(rand.NewPCG(uint64(i), uint64(spec.clients))),
				res:     res,
				got:     make([]byte, 64<<10),
				want:    make([]byte, 64<<10),
			}
			c.loop(ctx)
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(res.started)
	return res
}

// goroutines asks the server how many goroutines it runs, over a
// connection of its own that is closed at once.
func (lt *loadTarget) goroutines(t *testing.T) int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := client.Get(lt.server.base + "/healthz")
	if err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	defer resp.Body.Close()
	var h struct {
		Goroutines int `json:"goroutines"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Goroutines <= 0 {
		t.Fatalf("/healthz: %d, goroutines %d, %v", resp.StatusCode, h.Goroutines, err)
	}
	// The handler counts its own connection's goroutine, which ends with
	// the connection.
	return h.Goroutines - 1
}

// checkGoroutinesSettle waits up to settleTime for the server's goroutine
// count to fall back to the baseline (plus goroutineSlack).
func (lt *loadTarget) checkGoroutinesSettle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(settleTime)
	n := lt.goroutines(t)
	for n > lt.baseline+goroutineSlack && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		n = lt.goroutines(t)
	}
	if n > lt.baseline+goroutineSlack {
		t.Errorf("%v after the load the server runs %d goroutines, baseline %d (+%d allowed)", settleTime, n, lt.baseline, goroutineSlack)
	} else {
		t.Logf("goroutines: baseline %d, after the load %d", lt.baseline, n)
	}
}

// checkMemory checks the server's peak resident memory so far.
func (lt *loadTarget) checkMemory(t *testing.T) {
	t.Helper()
	hwm, err := procStatus(lt.server.cmd.Process.Pid, "VmHWM")
	if err != nil {
		t.Fatalf("read the server's peak RSS: %v", err)
	}
	sampled := lt.mem.peak()
	t.Logf("server memory: VmHWM %s, highest sampled VmRSS %s, now %s", mib(hwm), mib(sampled), mib(lt.mem.current()))
	if hwm > loadRSSLimit || sampled > loadRSSLimit {
		t.Errorf("the server's peak RSS is %s (sampled %s), over %s", mib(hwm), mib(sampled), mib(loadRSSLimit))
	}
}

// loadClient is one client: one request at a time, each for a random
// range, the body compared with the file as it arrives.
type loadClient struct {
	http    *http.Client
	url     string
	content tgfake.Content
	rng     *rand.Rand
	res     *loadResult
	got     []byte // a piece of the body
	want    []byte // the same piece of the file
}

// maxRequestsPerClient bounds a client's loop in count (ctx bounds it in
// time).
const maxRequestsPerClient = 100_000

func (c *loadClient) loop(ctx context.Context) {
	for i := 0; i < maxRequestsPerClient && ctx.Err() == nil; i++ {
		header, first, last := c.randomRange()
		err := c.fetch(ctx, header, first, last)
		switch {
		case err == nil:
		case errors.Is(err, errShed):
			// Retry soon: keep up the pressure rather than honour the
			// Retry-After, which this test only checks is there.
			sleep(ctx, time.Duration(20+c.rng.IntN(180))*time.Millisecond)
		case ctx.Err() != nil:
			c.res.cut.Add(1) // the round ended mid-response
		default:
			c.res.fail(fmt.Errorf("%s: %w", header, err))
		}
	}
}

// randomRange picks a range of 1 byte to loadMaxRange bytes: mostly
// first-last, sometimes a suffix (-n) or an open end near the end of the
// file.
func (c *loadClient) randomRange() (header string, first, last int64) {
	size := c.content.Size()
	n := 1 + c.rng.Int64N(loadMaxRange)
	switch k := c.rng.IntN(10); {
	case k == 0:
		return fmt.Sprintf("bytes=-%d", n), size - n, size - 1
	case k == 1:
		first = size - n
		return fmt.Sprintf("bytes=%d-", first), first, size - 1
	default:
		first = c.rng.Int64N(size - n + 1)
		last = first + n - 1
		return fmt.Sprintf("bytes=%d-%d", first, last), first, last
	}
}

var errShed = errors.New("503: shed")

// fetch asks for one range and checks the answer: 206 with the right
// Content-Range and exactly the file's bytes, or 503 with Retry-After.
func (c *loadClient) fetch(ctx context.Context, rangeHeader string, first, last int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Range", rangeHeader)
	c.res.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
	case http.StatusServiceUnavailable:
		c.res.shed.Add(1)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 {
			return fmt.Errorf("503 without a valid Retry-After (%q): %q", resp.Header.Get("Retry-After"), body)
		}
		return errShed
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("status %d: %q", resp.StatusCode, firstLine(string(body)))
	}
	size := c.content.Size()
	if cr, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", first, last, size); cr != want {
		return fmt.Errorf("Content-Range %q, want %q", cr, want)
	}
	if resp.ContentLength != last-first+1 {
		return fmt.Errorf("Content-Length %d, want %d", resp.ContentLength, last-first+1)
	}
	if err := c.compare(resp.Body, first, last-first+1); err != nil {
		return err
	}
	c.res.ok.Add(1)
	return nil
}

// compare reads n bytes from body and checks them against the file from
// off, then checks that the body ends there.
func (c *loadClient) compare(body io.Reader, off, n int64) error {
	for n > 0 {
		k := min(int64(len(c.got)), n)
		got, want := c.got[:k], c.want[:k]
		if m, err := io.ReadFull(body, got); err != nil {
			return fmt.Errorf("body short at byte %d (%d of a %d-byte piece): %w", off, m, k, err)
		}
		if _, err := c.content.ReadAt(want, off); err != nil && err != io.EOF {
			return fmt.Errorf("read the file at %d: %w", off, err)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for got[i] == want[i] {
				i++
			}
			c.res.wrong.Add(1)
			return fmt.Errorf("wrong byte at offset %d: got %#02x, want %#02x", off+int64(i), got[i], want[i])
		}
		c.res.bytes.Add(k)
		off += k
		n -= k
	}
	if m, _ := body.Read(c.got[:1]); m > 0 {
		c.res.wrong.Add(1)
		return errors.New("body longer than Content-Length")
	}
	return nil
}

// loadResult counts what a round of load did.
type loadResult struct {
	started  time.Time
	elapsed  time.Duration
	requests atomic.Int64 // sent
	ok       atomic.Int64 // 206, every byte right
	shed     atomic.Int64 // 503 with Retry-After
	wrong    atomic.Int64 // bodies with a wrong or extra byte
	cut      atomic.Int64 // cut short by the end of the round
	bytes    atomic.Int64 // body bytes checked

	mu       sync.Mutex
	failures []error // the first loadMaxErrors
	failed   int
}

func (r *loadResult) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed++
	if len(r.failures) < loadMaxErrors {
		r.failures = append(r.failures, err)
	}
}

// checkBytes fails the test for any failed request.
func (r *loadResult) checkBytes(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wrong.Load() > 0 {
		t.Errorf("%d responses had wrong bytes", r.wrong.Load())
	}
	if r.failed > 0 {
		t.Errorf("%d of %d requests failed; the first:", r.failed, r.requests.Load())
		for _, err := range r.failures {
			t.Error("  ", err)
		}
	}
}

func (r *loadResult) String() string {
	secs := max(r.elapsed.Seconds(), 1e-9)
	return fmt.Sprintf("%d requests in %.1fs: %d ranges byte-exact (%s, %.1f MiB/s), %d shed with 503, %d cut by the end, %d failed",
		r.requests.Load(), secs, r.ok.Load(), mib(r.bytes.Load()), float64(r.bytes.Load())/secs/(1<<20),
		r.shed.Load(), r.cut.Load(), r.failed)
}

// memoryWatch samples a process's VmRSS until stopped.
type memoryWatch struct {
	pid      int
	maxRSS   atomic.Int64
	lastRSS  atomic.Int64
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
}

func watchMemory(pid int, every time.Duration) *memoryWatch {
	m := &memoryWatch{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			if rss, err := procStatus(pid, "VmRSS"); err == nil {
				m.lastRSS.Store(rss)
				if rss > m.maxRSS.Load() {
					m.maxRSS.Store(rss)
				}
			}
			select {
			case <-tick.C:
			case <-m.quit:
				return
			}
		}
	}()
	return m
}

func (m *memoryWatch) peak() int64    { return m.maxRSS.Load() }
func (m *memoryWatch) current() int64 { return m.lastRSS.Load() }

func (m *memoryWatch) stop() {
	m.stopOnce.Do(func() { close(m.quit) })
	<-m.done
}

// procStatus reads a "kB" field of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", field, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// waitServing polls url with a one-byte range until it is answered
// byte-exact (the server logged in and resolved the message), for up to a
// minute.
func waitServing(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Range", "bytes=0-0")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusPartialContent {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not served within a minute: %v %v", url, err, resp)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
