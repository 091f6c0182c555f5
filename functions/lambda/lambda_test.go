package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
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

// catalog is what a test posts to its fake Telegram.
type catalog struct {
	fake     *tgfake.Server
	video    tgfake.DemoItem
	big      tgfake.DemoItem
	bigData  tgfake.Content
	edge     int
	edgeData tgfake.Content
	small    int
	text     int
}

const (
	edgeCaption  = "edge-code"
	smallCaption = "small-code"
)

// smallData is valid UTF-8 full of bytes JSON escapes 6-fold: the buffered
// adapter must still send it base64-encoded.
var smallData = bytes.Repeat([]byte("\x00<>&\x01"), 1000)

func startFake(t *testing.T) *catalog {
	t.Helper()
	fake := tgfake.NewTest(t, tgfake.Options{})
	c := &catalog{fake: fake}
	for _, it := range fake.AddTestCatalog() {
		switch it.Caption {
		case "demo-video":
			c.video = it
		case "demo-big":
			c.big = it
			c.bigData = tgfake.Pattern(64, tgfake.DemoBigSize)
		}
	}
	if c.big.Size != tgfake.DemoBigSize || c.video.MessageID == 0 {
		t.Fatal("demo catalog changed")
	}
	c.edgeData = tgfake.Pattern(7, 3<<20+123)
	c.edge = fake.AddMessage(edgeCaption, &tgfake.Media{Kind: tgfake.KindDocument, Name: "edge.bin",
		MIMEType: "application/octet-stream", Content: c.edgeData})
	c.small = fake.AddMessage(smallCaption, &tgfake.Media{Kind: tgfake.KindDocument, Name: "small.bin",
		MIMEType: "application/octet-stream", Content: tgfake.Bytes(smallData)})
	c.text = fake.AddMessage("text-only", nil)
	return c
}

// client sends requests to one emulator in one invoke mode.
type client struct {
	t      *testing.T
	e      *emulator
	parse  func(*testing.T, []byte) *result
	header map[string]string
}

func (c *client) do(method, target string, headers map[string]string) *result {
	c.t.Helper()
	return c.parse(c.t, c.e.post(functionURLEvent(method, target, headers)))
}

func dl(id int, code string) string { return "/dl/" + strconv.Itoa(id) + "?code=" + code }

// checkOneLineError checks the shape every error answer has.
func checkOneLineError(t *testing.T, what string, res *result) {
	t.Helper()
	testkit.CheckOneLineError(t, what, res.header, res.body)
}

// exercise runs the checks both invoke modes share; cap is the profile's
// response cap.
func exercise(t *testing.T, c *client, cat *catalog, profile platform.Profile) {
	t.Run("index", func(t *testing.T) {
		res := c.do("GET", "/", nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !bytes.Contains(res.body, []byte("<html")) {
			t.Errorf("GET /: %d %q %.100q", res.status, res.header.Get("Content-Type"), res.body)
		}
		res = c.do("GET", "/healthz", nil)
		var h struct {
			Platform         string `json:"platform"`
			MaxResponseBytes int64  `json:"maxResponseBytes"`
		}
		if err := json.Unmarshal(res.body, &h); err != nil || h.Platform != profile.Name || h.MaxResponseBytes != profile.MaxResponseBytes {
			t.Errorf("GET /healthz: %d %q (%v), want platform %s, cap %d", res.status, res.body, err, profile.Name, profile.MaxResponseBytes)
		}
	})

	t.Run("conditional and range headers", func(t *testing.T) { conditionalTable(t, c, cat) })
	t.Run("events", func(t *testing.T) { checkEvents(t, c.e, c.parse) })

	t.Run("player", func(t *testing.T) {
		v := cat.video
		res := c.do("GET", "/stream/"+strconv.Itoa(v.MessageID)+"?code="+v.Caption, nil)
		if res.status != 200 || !bytes.Contains(res.body, []byte(v.Name)) || !bytes.Contains(res.body, []byte("<video")) {
			t.Errorf("player: %d %.200q", res.status, res.body)
		}
	})

	t.Run("ranges", func(t *testing.T) {
		size := cat.edgeData.Size()
		const MiB = 1 << 20
		for _, tt := range []struct {
			rng         string
			first, last int64
		}{
			{"bytes=0-0", 0, 0},
			{"bytes=1048575-1048576", MiB - 1, MiB},
			{"bytes=1000-2049000", 1000, 2049000},
			{"bytes=3145000-", 3145000, size - 1},
			{"bytes=-77", size - 77, size - 1},
		} {
			res := c.do("GET", dl(cat.edge, edgeCaption), map[string]string{"Range": tt.rng})
			want := fmt.Sprintf("bytes %d-%d/%d", tt.first, tt.last, size)
			if res.status != 206 || res.header.Get("Content-Range") != want {
				t.Errorf("%s: %d Content-Range %q, want 206 %q (%.100q)", tt.rng, res.status, res.header.Get("Content-Range"), want, res.body)
				continue
			}
			if !bytes.Equal(res.body, tgfake.ReadRange(t, cat.edgeData, tt.first, tt.last)) {
				t.Errorf("%s: %d bytes, not the file's %d-%d", tt.rng, len(res.body), tt.first, tt.last)
			}
		}
	})

	t.Run("open range sliced at the cap", func(t *testing.T) {
		size := cat.bigData.Size()
		for _, first := range []int64{0, 123457} {
			res := c.do("GET", dl(cat.big.MessageID, cat.big.Caption), map[string]string{"Range": "bytes=" + strconv.FormatInt(first, 10) + "-"})
			last := first + profile.MaxResponseBytes - 1
			want := fmt.Sprintf("bytes %d-%d/%d", first, last, size)
			if res.status != 206 || res.header.Get("Content-Range") != want {
				t.Fatalf("open range at %d: %d Content-Range %q, want %q", first, res.status, res.header.Get("Content-Range"), want)
			}
			if !bytes.Equal(res.body, tgfake.ReadRange(t, cat.bigData, first, last)) {
				t.Errorf("open range at %d: %d bytes, not the file's %d-%d", first, len(res.body), first, last)
			}
		}
	})

	t.Run("whole small file", func(t *testing.T) {
		res := c.do("GET", dl(cat.small, smallCaption), nil)
		if res.status != 200 || !bytes.Equal(res.body, smallData) {
			t.Errorf("small file: %d, %d bytes (want %d)", res.status, len(res.body), len(smallData))
		}
	})

	t.Run("HEAD", func(t *testing.T) {
		before := cat.fake.Calls(tg.UploadGetFileRequestTypeID)
		res := c.do("HEAD", dl(cat.small, smallCaption), nil)
		if res.status != 200 || len(res.body) != 0 || res.header.Get("Content-Length") != strconv.Itoa(len(smallData)) {
			t.Errorf("HEAD small: %d, %d body bytes, Content-Length %q", res.status, len(res.body), res.header.Get("Content-Length"))
		}
		res = c.do("HEAD", dl(cat.edge, edgeCaption), map[string]string{"Range": "bytes=10-19"})
		if res.status != 206 || len(res.body) != 0 || res.header.Get("Content-Range") != fmt.Sprintf("bytes 10-19/%d", cat.edgeData.Size()) {
			t.Errorf("HEAD range: %d, %d body bytes, Content-Range %q", res.status, len(res.body), res.header.Get("Content-Range"))
		}
		if res := c.do("HEAD", "/", nil); res.status != 200 || len(res.body) != 0 {
			t.Errorf("HEAD /: %d, %d body bytes", res.status, len(res.body))
		}
		if n := cat.fake.Calls(tg.UploadGetFileRequestTypeID) - before; n != 0 {
			t.Errorf("HEAD made %d upload.getFile calls", n)
		}
	})

	t.Run("errors", func(t *testing.T) {
		edge := strconv.Itoa(cat.edge)
		for _, tt := range []struct {
			name, method, target string
			headers              map[string]string
			status               int
		}{
			{"bad id", "GET", "/dl/x1?code=a", nil, 400},
			{"no code", "GET", "/dl/" + edge, nil, 401},
			{"wrong code", "GET", "/dl/" + edge + "?code=nope", nil, 403},
			{"no message", "GET", "/dl/424242?code=a", nil, 404},
			{"no media", "GET", dl(cat.text, "text-only"), nil, 404},
			{"unknown route", "GET", "/wp-admin", nil, 404},
			{"POST", "POST", dl(cat.edge, edgeCaption), nil, 405},
			{"whole file over the cap", "GET", dl(cat.big.MessageID, cat.big.Caption), nil, 413},
			{"range past the end", "GET", dl(cat.edge, edgeCaption), map[string]string{"Range": "bytes=99999999-"}, 416},
		} {
			res := c.do(tt.method, tt.target, tt.headers)
			if res.status != tt.status {
				t.Errorf("%s: %d %q, want %d", tt.name, res.status, res.body, tt.status)
				continue
			}
			checkOneLineError(t, tt.name, res)
		}
	})
}

// checkLogs: the function's log holds one line per request and no secret.
func checkLogs(t *testing.T, e *emulator, cat *catalog) {
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"/dl/{id}"`) {
		t.Errorf("no request log lines in the function's output:\n%s", lambdarie.Tail(logs, 2000))
	}
	for _, secret := range []string{tgfake.DefaultBotToken, "TESTTOKEN", tgfake.DefaultAPIHash, edgeCaption, smallCaption, cat.big.Caption, cat.video.Caption} {
		if strings.Contains(logs, secret) {
			t.Errorf("the function's output holds %q", secret)
		}
	}
}

// TestLambdaStreaming runs the RESPONSE_STREAM adapter under the emulator.
// The emulator buffers at most 6 MiB + 100 bytes of a stream (Lambda itself
// streams up to 200 MB), so the cap is lowered to 2 MiB here to fit the
// prelude and a whole slice; the 6 MiB default is platform's to test.
func TestLambdaStreaming(t *testing.T) {
	cat := startFake(t)
	e := startEmulator(t, cat.fake, map[string]string{"LAMBDA_INVOKE_MODE": "RESPONSE_STREAM", "MAX_RESPONSE_BYTES": "2097152"})
	c := &client{t: t, e: e, parse: parseStreamed}
	before := cat.fake.Logins()

	exercise(t, c, cat, platform.Profile{Name: platform.NameLambdaStream, MaxResponseBytes: 2 << 20})

	t.Run("bad event", func(t *testing.T) {
		ev := functionURLEvent("GET", "/", nil)
		ev.Body, ev.IsBase64Encoded = "%%% not base64", true
		res := parseStreamed(t, e.post(ev))
		if res.status != 400 {
			t.Errorf("event with a bad body: %d %q", res.status, res.body)
		}
		checkOneLineError(t, "bad event", res)
	})

	if n := cat.fake.Logins() - before; n != 1 {
		t.Errorf("%d logins over many invocations of one function instance, want 1", n)
	}
	checkLogs(t, e, cat)
}

// TestLambdaBuffered runs the BUFFERED adapter under the emulator with the
// default cap: the emulator refuses a response over 6 MiB + 100 bytes, as
// Lambda does, so the open-range check proves the cap's arithmetic.
func TestLambdaBuffered(t *testing.T) {
	cat := startFake(t)
	e := startEmulator(t, cat.fake, map[string]string{"LAMBDA_INVOKE_MODE": "BUFFERED"})
	c := &client{t: t, e: e, parse: parseBuffered}
	before := cat.fake.Logins()

	exercise(t, c, cat, platform.Profile{Name: platform.NameLambdaBuffered, MaxResponseBytes: platform.LambdaBufferedMaxResponseBytes})

	if n := cat.fake.Logins() - before; n != 1 {
		t.Errorf("%d logins over many invocations of one function instance, want 1", n)
	}
	checkLogs(t, e, cat)
}

// TestLambdaDeadline: the invocation's deadline bounds the request. With a
// 4 s function timeout and Telegram holding every file part for 20 s, the
// request ends with a clean 504 before Lambda would stop the function.
func TestLambdaDeadline(t *testing.T) {
	cat := startFake(t)
	e := startEmulator(t, cat.fake, map[string]string{"AWS_LAMBDA_FUNCTION_TIMEOUT": "4"})
	c := &client{t: t, e: e, parse: parseStreamed}
	warmUp(t, c, dl(cat.edge, edgeCaption))
	cat.fake.SetLatency(20 * time.Second)
	defer cat.fake.SetLatency(0)
	start := time.Now()
	res := c.do("GET", dl(cat.edge, edgeCaption), map[string]string{"Range": "bytes=0-99"})
	took := time.Since(start)
	if res.status != http.StatusGatewayTimeout {
		t.Fatalf("stuck request: %d %q, want 504", res.status, res.body)
	}
	checkOneLineError(t, "504", res)
	if took > 4*time.Second {
		t.Errorf("answered after %v, past the 4 s invocation deadline", took)
	}
}
