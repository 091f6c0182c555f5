package main

// Load tests of the server binary against the fake Telegram: many clients
// at once read random ranges of a large file, every byte is checked, and
// the server process's memory and goroutines are watched from outside.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
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

// TestLoad runs its rounds against one server (one login and warm-up):
// 100 streams for 30 s, then 500 clients for 10 s. After each round the
// server is still up and healthy, its memory has stayed under loadRSSLimit
// and its goroutines settle back to the baseline.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: 30 s of 100 streams, 10 s of 500 clients")
	}
	lt := startLoadTarget(t)
	for _, round := range []struct {
		name  string
		spec  loadSpec
		check func(t *testing.T, res *loadResult)
	}{
		{"100 streams", loadSpec{clients: 100, duration: 30 * time.Second}, func(t *testing.T, res *loadResult) {
			if res.ok.Load() < 100 {
				t.Errorf("only %d ranges served in 30 s", res.ok.Load())
			}
			// At most MAX_STREAMS (100) requests are ever in flight, so
			// nothing should be turned away; a few 503s in the instant
			// between one request's end and the next one's start are
			// tolerated.
			if res.shed.Load()*100 > res.requests.Load() {
				t.Errorf("%d of %d requests were turned away with 503", res.shed.Load(), res.requests.Load())
			}
		}},
		{"500 clients shed the excess", loadSpec{clients: 500, duration: 10 * time.Second}, func(t *testing.T, res *loadResult) {
			if res.shed.Load() == 0 {
				t.Error("500 clients against MAX_STREAMS=100: no request was turned away with 503")
			}
			if res.ok.Load() == 0 {
				t.Error("no range was served")
			}
		}},
	} {
		t.Run(round.name, func(t *testing.T) {
			res := lt.run(t, round.spec)
			t.Logf("%d clients: %s", round.spec.clients, res)
			res.checkBytes(t)
			round.check(t, res)
			select {
			case <-lt.server.done:
				t.Fatalf("the server exited under load: %v\n%s", lt.server.err, lastLines(lt.server.out.String(), 20))
			default:
			}
			if resp, body := get(t, lt.server.base+"/healthz"); resp.StatusCode != http.StatusOK {
				t.Errorf("/healthz after the load: %d %s", resp.StatusCode, body)
			}
			lt.checkMemory(t)
			lt.checkGoroutinesSettle(t)
		})
	}
}

// loadTarget is a server binary serving one large file from the fake
// Telegram, with its memory watched from the start.
type loadTarget struct {
	server   *serverProcess
	content  tgfake.Content
	url      string
	mem      *memoryWatch
	baseline int // the server's goroutines after a warm-up, with no request in flight
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
	ctx, cancel := context.WithTimeout(context.Background(), spec.duration)
	defer cancel()
	res := &loadResult{started: time.Now()}
	var wg sync.WaitGroup
	for i := range spec.clients {
		// Each client is a person of its own, from an address of its own in
		// 127/8: the server bounds connections and streams per address.
		dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(i/250), byte(i%250+1))}}
		tr := &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
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
