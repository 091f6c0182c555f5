package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/filetolink/filetolink/pkg/web"
	"maps"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/lambdarie"
	"github.com/filetolink/filetolink/internal/testkit"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/platform"
)

// The tests below send their requests to the functions as Vercel's own
// builder built them (vercelbuild_test.go), each bootstrap running under
// aws-lambda-rie against the fake Telegram of TestMain.

// fixture is what TestMain posted to the fake Telegram.
var fixture struct {
	fake     *tgfake.Server
	env      map[string]string // the functions' environment
	video    tgfake.DemoItem
	xss      tgfake.DemoItem
	big      tgfake.DemoItem // 64 MiB pattern
	bigData  tgfake.Content
	edge     int // 3 MiB + 123 bytes, for ranges at the 1 MiB edges
	edgeData tgfake.Content
	small    int // a whole file under the cap
	text     int // a message without media
}

const (
	edgeCaption  = "edge-code"
	smallCaption = "small;code \"quoted\""
	textCaption  = "just text"
	vercelHost   = "filetolink-abc123.vercel.app"
)

var smallData = []byte("hello from the log channel\n\x00\x01\x02 binary tail \xff\xfe")

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake, err := tgfake.Start(ctx, tgfake.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start fake Telegram:", err)
		return 1
	}
	defer fake.Close()
	dir, err := os.MkdirTemp("", "functions-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	env, err := fake.Env(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// What Vercel sets, and no VERCEL=1: a project may not expose system
	// environment variables, and the functions must still take the Vercel
	// profile. Vercel runs them on Lambda, so AWS_LAMBDA_FUNCTION_NAME is
	// set (without the fix that made them the Lambda profile).
	env["AWS_LAMBDA_FUNCTION_NAME"] = "vercel-function"
	env["VERCEL_URL"] = vercelHost
	env["TG_RPC_TIMEOUT"] = "3s"
	fixture.env = env

	fixture.fake = fake
	for _, it := range fake.AddTestCatalog() {
		switch it.Caption {
		case "demo-video":
			fixture.video = it
		case "demo-xss":
			fixture.xss = it
		case "demo-big":
			fixture.big = it
			fixture.bigData = tgfake.Pattern(64, tgfake.DemoBigSize)
		}
	}
	if fixture.big.Size != tgfake.DemoBigSize {
		fmt.Fprintln(os.Stderr, "demo catalog changed: no demo-big")
		return 1
	}
	fixture.edgeData = tgfake.Pattern(7, 3<<20+123)
	fixture.edge = fake.AddMessage(edgeCaption, &tgfake.Media{Kind: tgfake.KindDocument, Name: "edge.bin",
		MIMEType: "application/octet-stream", Content: fixture.edgeData})
	fixture.small = fake.AddMessage(smallCaption, &tgfake.Media{Kind: tgfake.KindDocument, Name: "small.bin",
		MIMEType: "application/octet-stream", Content: tgfake.Bytes(smallData)})
	fixture.text = fake.AddMessage(textCaption, nil)
	return m.Run()
}

// TestVercel builds the functions with Vercel's real builder, runs them
// under aws-lambda-rie and serves every check below through them.
func TestVercel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Vercel's build and the built functions; skipped with -short")
	}
	lambdarie.Binary(t)
	out := buildWithVercel(t)
	fns := startVercelFunctions(t, out, fixture.env)
	c := &vercelClient{t: t, routes: out.routes, invoke: fns.invoke}
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *vercelClient)
	}{
		{"StatusPages", vercelStatusPages},
		{"PlayerPage", vercelPlayerPage},
		{"Ranges", vercelRanges},
		{"OpenRangeSliced", vercelOpenRangeSliced},
		{"WholeSmallFile", vercelWholeSmallFile},
		{"Head", vercelHead},
		{"Errors", vercelErrors},
		{"Bot", vercelBot},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cc := *c
			cc.t = t
			tt.run(t, &cc)
		})
	}
	t.Run("RequestDeadline", func(t *testing.T) { vercelRequestDeadline(t, out) })

	logs := fns.logs()
	if !strings.Contains(logs, `"route":"/dl/{id}"`) {
		t.Errorf("no request log lines in the functions' output:\n%s", lambdarie.Tail(logs, 2000))
	}
	for _, secret := range []string{tgfake.DefaultBotToken, tgfake.DefaultAPIHash, edgeCaption, fixture.big.Caption} {
		if strings.Contains(logs, secret) {
			t.Errorf("the functions' output holds %q", secret)
		}
	}
}

func dlPath(id int, code string) string { return web.DownloadURL("", id, code) }

// checkOneLineError checks the shape every error answer has.
func checkOneLineError(t *testing.T, what string, res *result) {
	t.Helper()
	testkit.CheckOneLineError(t, what, res.header, res.body)
}

func vercelStatusPages(t *testing.T, c *vercelClient) {

	res := c.do("GET", "/", nil)
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !bytes.Contains(res.body, []byte("<html")) {
		t.Errorf("GET /: %d %q %.80q", res.status, res.header.Get("Content-Type"), res.body)
	}

	res = c.do("GET", "/healthz", nil)
	var h struct {
		Status           string `json:"status"`
		Platform         string `json:"platform"`
		BaseURL          string `json:"baseURL"`
		MaxResponseBytes int64  `json:"maxResponseBytes"`
	}
	if err := json.Unmarshal(res.body, &h); err != nil || res.status != 200 {
		t.Fatalf("GET /healthz: %d %q: %v", res.status, res.body, err)
	}
	want := platform.Profile{Name: "vercel", MaxResponseBytes: 4 << 20}
	if h.Platform != want.Name || h.MaxResponseBytes != want.MaxResponseBytes || h.BaseURL != "https://"+vercelHost {
		t.Errorf("GET /healthz = %+v, want platform %q, cap %d, base URL from VERCEL_URL", h, want.Name, want.MaxResponseBytes)
	}

	res = c.do("GET", "/static/style.css", nil)
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") || len(res.body) == 0 {
		t.Errorf("GET /static/style.css: %d %q, %d bytes", res.status, res.header.Get("Content-Type"), len(res.body))
	}
}

func vercelPlayerPage(t *testing.T, c *vercelClient) {
	v := fixture.video
	res := c.do("GET", "/stream/"+strconv.Itoa(v.MessageID)+"?code="+v.Caption, nil)
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		t.Fatalf("player: %d %q %q", res.status, res.header.Get("Content-Type"), res.body)
	}
	for _, want := range []string{v.Name, "/dl/" + strconv.Itoa(v.MessageID), "<video"} {
		if !bytes.Contains(res.body, []byte(want)) {
			t.Errorf("player page lacks %q", want)
		}
	}

	x := fixture.xss
	res = c.do("GET", "/stream/"+strconv.Itoa(x.MessageID)+"?code="+x.Caption, nil)
	if res.status != 200 || bytes.Contains(res.body, []byte("<img src=x")) {
		t.Errorf("player of %q: %d, name not escaped: %v", x.Name, res.status, bytes.Contains(res.body, []byte("<img src=x")))
	}

	// The seed bot's "=stream" links redirect to the player.
	res = c.do("GET", dlPath(v.MessageID, v.Caption+"=stream"), nil)
	if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/stream/"+strconv.Itoa(v.MessageID)+"?code=") {
		t.Errorf("=stream link: %d Location %q", res.status, loc)
	}
}

func vercelRanges(t *testing.T, c *vercelClient) {
	size := fixture.edgeData.Size()
	const MiB = 1 << 20
	tests := []struct {
		rng         string
		first, last int64
	}{
		{"bytes=0-0", 0, 0},
		{"bytes=0-1023", 0, 1023},
		{"bytes=1-1", 1, 1},
		{"bytes=1048575-1048576", MiB - 1, MiB},
		{"bytes=1048000-2098200", 1048000, 2098200},
		{"bytes=2097151-3145728", 2*MiB - 1, 3 * MiB},
		{"bytes=3145000-", 3145000, size - 1},
		{"bytes=-100", size - 100, size - 1},
		{"bytes=3145700-99999999", 3145700, size - 1},
		{"bytes=0-", 0, size - 1}, // 3 MiB: under the Vercel cap
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			res := c.do("GET", dlPath(fixture.edge, edgeCaption), map[string]string{"Range": tt.rng})
			if res.status != http.StatusPartialContent {
				t.Fatalf("status %d %q", res.status, res.body)
			}
			wantCR := fmt.Sprintf("bytes %d-%d/%d", tt.first, tt.last, size)
			if cr := res.header.Get("Content-Range"); cr != wantCR {
				t.Errorf("Content-Range %q, want %q", cr, wantCR)
			}
			if cl := res.header.Get("Content-Length"); cl != strconv.FormatInt(tt.last-tt.first+1, 10) {
				t.Errorf("Content-Length %q, want %d", cl, tt.last-tt.first+1)
			}
			if want := tgfake.ReadRange(t, fixture.edgeData, tt.first, tt.last); !bytes.Equal(res.body, want) {
				t.Errorf("body: %d bytes differ from the file's %d-%d", len(res.body), tt.first, tt.last)
			}
		})
	}
}

// vercelOpenRangeSliced: an open or large range on a file over the cap
// comes back as a 206 of at most 4 MiB with a Content-Range that says so, so
// players and download managers ask for the next slice. The harness fails
// the test if a response would not fit Vercel's limits.
func vercelOpenRangeSliced(t *testing.T, c *vercelClient) {
	size := fixture.bigData.Size()
	const limit = 4 << 20
	tests := []struct {
		rng   string
		first int64
	}{
		{"bytes=0-", 0},
		{"bytes=1000-", 1000},
		{"bytes=5000000-40000000", 5000000},
		{"bytes=" + strconv.FormatInt(size-1000, 10) + "-", size - 1000},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			res := c.do("GET", dlPath(fixture.big.MessageID, fixture.big.Caption), map[string]string{"Range": tt.rng})
			if res.status != http.StatusPartialContent {
				t.Fatalf("status %d %q", res.status, res.body)
			}
			last := min(tt.first+limit, size) - 1
			wantCR := fmt.Sprintf("bytes %d-%d/%d", tt.first, last, size)
			if cr := res.header.Get("Content-Range"); cr != wantCR {
				t.Errorf("Content-Range %q, want %q", cr, wantCR)
			}
			if len(res.body) > limit {
				t.Errorf("body %d bytes, over the 4 MiB cap", len(res.body))
			}
			if want := tgfake.ReadRange(t, fixture.bigData, tt.first, last); !bytes.Equal(res.body, want) {
				t.Errorf("body: %d bytes differ from the file's %d-%d", len(res.body), tt.first, last)
			}
		})
	}

	// The whole file is never a truncated 200: a browser navigation goes
	// to the player, another client gets a 413 that says how to fetch.
	res := c.do("GET", dlPath(fixture.big.MessageID, fixture.big.Caption), map[string]string{"Accept": "*/*"})
	if res.status != http.StatusRequestEntityTooLarge || !bytes.Contains(res.body, []byte(strconv.FormatInt(size, 10))) {
		t.Errorf("whole big file: %d %q, want 413 naming the size", res.status, res.body)
	}
	checkOneLineError(t, "whole big file", res)
	res = c.do("GET", dlPath(fixture.big.MessageID, fixture.big.Caption), map[string]string{"Accept": "text/html,*/*", "Sec-Fetch-Mode": "navigate"})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/stream/") {
		t.Errorf("navigation to big file: %d Location %q, want 303 to the player", res.status, res.header.Get("Location"))
	}
}

func vercelWholeSmallFile(t *testing.T, c *vercelClient) {
	res := c.do("GET", dlPath(fixture.small, smallCaption), nil)
	if res.status != 200 || !bytes.Equal(res.body, smallData) {
		t.Fatalf("GET small: %d, body %q, want %q", res.status, res.body, smallData)
	}
	if cd := res.header.Get("Content-Disposition"); !strings.Contains(cd, "small.bin") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if res.header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("Accept-Ranges %q", res.header.Get("Accept-Ranges"))
	}
}

// vercelHead: HEAD answers the headers of GET with no body (the Vercel
// runtime would send bytes written for HEAD) and reads no file bytes.
func vercelHead(t *testing.T, c *vercelClient) {
	// Resolve first, so the counter sees only what HEAD itself does.
	c.do("HEAD", dlPath(fixture.small, smallCaption), nil)
	before := fixture.fake.Calls(tg.UploadGetFileRequestTypeID)

	res := c.do("HEAD", dlPath(fixture.small, smallCaption), nil)
	if res.status != 200 || len(res.body) != 0 || res.header.Get("Content-Length") != strconv.Itoa(len(smallData)) {
		t.Errorf("HEAD small: %d, %d body bytes, Content-Length %q", res.status, len(res.body), res.header.Get("Content-Length"))
	}
	res = c.do("HEAD", dlPath(fixture.edge, edgeCaption), map[string]string{"Range": "bytes=100-199"})
	if res.status != 206 || len(res.body) != 0 || res.header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", fixture.edgeData.Size()) {
		t.Errorf("HEAD range: %d, %d body bytes, Content-Range %q", res.status, len(res.body), res.header.Get("Content-Range"))
	}
	res = c.do("HEAD", dlPath(fixture.big.MessageID, fixture.big.Caption), map[string]string{"Range": "bytes=0-"})
	if res.status != 206 || len(res.body) != 0 || res.header.Get("Content-Length") != strconv.Itoa(4<<20) {
		t.Errorf("HEAD open range on big file: %d, %d body bytes, Content-Length %q", res.status, len(res.body), res.header.Get("Content-Length"))
	}
	for _, path := range []string{"/", "/healthz"} {
		if res := c.do("HEAD", path, nil); res.status != 200 || len(res.body) != 0 {
			t.Errorf("HEAD %s: %d with %d body bytes", path, res.status, len(res.body))
		}
	}
	if after := fixture.fake.Calls(tg.UploadGetFileRequestTypeID); after != before {
		t.Errorf("HEAD made %d upload.getFile calls", after-before)
	}
}

func vercelErrors(t *testing.T, c *vercelClient) {
	edge := strconv.Itoa(fixture.edge)
	tests := []struct {
		name, method, target string
		headers              map[string]string
		status               int
	}{
		{"id not a number", "GET", "/dl/abc?code=x", nil, 400},
		{"id zero", "GET", "/dl/0?code=x", nil, 400},
		{"id negative", "GET", "/dl/-5?code=x", nil, 400},
		{"id too large", "GET", "/dl/99999999999?code=x", nil, 400},
		{"player id not a number", "GET", "/stream/1x?code=x", nil, 400},
		{"no code", "GET", "/dl/" + edge, nil, 401},
		{"empty code", "GET", "/dl/" + edge + "?code=", nil, 401},
		{"player no code", "GET", "/stream/" + edge, nil, 401},
		{"wrong code", "GET", "/dl/" + edge + "?code=guess", nil, 403},
		{"player wrong code", "GET", "/stream/" + edge + "?code=guess", nil, 403},
		{"no such message", "GET", "/dl/999999?code=x", nil, 404},
		{"message without media", "GET", dlPath(fixture.text, textCaption), nil, 404},
		{"unknown path", "GET", "/nothing/here", nil, 404},
		{"nested dl path", "GET", "/dl/1/2?code=x", nil, 404},
		{"POST", "POST", dlPath(fixture.edge, edgeCaption), nil, 405},
		{"DELETE on index", "DELETE", "/", nil, 405},
		{"over the cap", "GET", dlPath(fixture.big.MessageID, fixture.big.Caption), nil, 413},
		{"range past the end", "GET", dlPath(fixture.edge, edgeCaption), map[string]string{"Range": "bytes=99999999-"}, 416},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(tt.method, tt.target, tt.headers)
			if res.status != tt.status {
				t.Fatalf("%s %s: status %d %q, want %d", tt.method, tt.target, res.status, res.body, tt.status)
			}
			checkOneLineError(t, tt.name, res)
			if bytes.Contains(res.body, []byte(edgeCaption)) {
				t.Errorf("error body %q reveals the code", res.body)
			}
		})
	}

	t.Run("too many wrong codes", func(t *testing.T) {
		ip := map[string]string{"X-Real-IP": "203.0.113.77", "X-Forwarded-For": "203.0.113.77"}
		for i := 0; i < 100; i++ {
			res := c.do("GET", "/dl/"+edge+"?code=guess"+strconv.Itoa(i), ip)
			if res.status == http.StatusTooManyRequests {
				checkOneLineError(t, "429", res)
				if res.header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
				// The right code from that address is refused too.
				if res := c.do("GET", dlPath(fixture.edge, edgeCaption), ip); res.status != http.StatusTooManyRequests {
					t.Errorf("right code while limited: %d", res.status)
				}
				return
			}
			if res.status != http.StatusForbidden {
				t.Fatalf("wrong code #%d: %d %q", i, res.status, res.body)
			}
		}
		t.Fatal("100 wrong codes from one address, never a 429")
	})

	t.Run("telegram unreachable", func(t *testing.T) {
		// A message not resolved yet needs Telegram.
		id := fixture.fake.AddMessage("late", &tgfake.Media{Kind: tgfake.KindDocument, Name: "late.bin",
			MIMEType: "application/octet-stream", Content: tgfake.Pattern(9, 5000)})
		fixture.fake.SetReachable(false)
		start := time.Now()
		res := c.do("GET", dlPath(id, "late"), nil)
		fixture.fake.SetReachable(true)
		if res.status != http.StatusServiceUnavailable && res.status != http.StatusGatewayTimeout {
			t.Fatalf("Telegram down: %d %q, want 503 or 504", res.status, res.body)
		}
		checkOneLineError(t, "Telegram down", res)
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("Telegram down: answered after %v", d)
		}
		// Service comes back by itself.
		deadline := time.Now().Add(30 * time.Second)
		for {
			res := c.do("GET", dlPath(id, "late"), nil)
			if res.status == 200 {
				if !bytes.Equal(res.body, tgfake.ReadRange(t, tgfake.Pattern(9, 5000), 0, 4999)) {
					t.Errorf("after recovery: wrong bytes")
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no recovery: %d %q", res.status, res.body)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

// vercelRequestDeadline: the Vercel runtime's request has no deadline;
// the Vercel profile's RequestTimeout (VERCEL_REQUEST_TIMEOUT) ends a stuck
// request with a clean 504 long before Vercel would kill the function. It
// runs the built dl function once more, with a 2 s timeout.
func vercelRequestDeadline(t *testing.T, out *vercelOutput) {
	env := maps.Clone(fixture.env)
	env["VERCEL_REQUEST_TIMEOUT"] = "2s"
	e := lambdarie.Start(t, out.bootstraps["functions/dl.go"], env)
	c := &vercelClient{t: t, routes: out.routes, invoke: func(file string, event []byte) ([]byte, error) {
		if file != "functions/dl.go" {
			return nil, fmt.Errorf("%s is not the function under test", file)
		}
		return e.Invoke(event), nil
	}}

	// Log in and resolve (may take a while on a cold client; retried).
	for i := 0; ; i++ {
		res := c.do("HEAD", dlPath(fixture.edge, edgeCaption), nil)
		if res.status == 200 {
			break
		}
		if i == 5 {
			t.Fatalf("warm-up: %d %q", res.status, res.body)
		}
	}
	fixture.fake.SetLatency(6 * time.Second)
	defer fixture.fake.SetLatency(0)
	start := time.Now()
	res := c.do("GET", dlPath(fixture.edge, edgeCaption), map[string]string{"Range": "bytes=0-99"})
	took := time.Since(start)
	if res.status != http.StatusGatewayTimeout {
		t.Errorf("stuck request: %d %q, want 504", res.status, res.body)
	} else {
		checkOneLineError(t, "504", res)
	}
	if took < 2*time.Second || took > 5*time.Second {
		t.Errorf("stuck request answered after %v, want about 2s", took)
	}
}
