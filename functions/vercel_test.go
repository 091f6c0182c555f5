package handler

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/lambdarie"
	"github.com/filetolink/filetolink/internal/tgfake"
)

// The tests below send their requests to the functions as Vercel's own
// builder built them (vercelbuild_test.go), each bootstrap running under
// aws-lambda-rie against the fake Telegram of TestMain.

// fixture is what TestMain started.
var fixture struct {
	cat *lambdarie.Catalog // posted to the fake Telegram
	env map[string]string  // the functions' environment
}

const vercelHost = "filetolink-abc123.vercel.app"

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
	if fixture.cat, err = lambdarie.PostCatalog(fake); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// TestVercel builds the functions with Vercel's real builder, runs them
// under aws-lambda-rie and serves every check of lambdarie.CheckSite and
// the ones below through them.
func TestVercel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Vercel's build and the built functions; skipped with -short")
	}
	lambdarie.Binary(t)
	out := buildWithVercel(t)
	fns := startVercelFunctions(t, out, fixture.env)
	site := vercelSite(out.routes, fns.route)
	lambdarie.CheckSite(t, site, fixture.cat, lambdarie.Want{
		Platform: "vercel", MaxResponseBytes: 4 << 20, BaseURL: "https://" + vercelHost,
	})
	t.Run("TooManyWrongCodes", func(t *testing.T) { vercelTooManyWrongCodes(t, site) })
	t.Run("TelegramUnreachable", func(t *testing.T) { vercelTelegramUnreachable(t, site) })
	t.Run("Bot", func(t *testing.T) { vercelBot(t, site) })
	t.Run("RequestDeadline", func(t *testing.T) { vercelRequestDeadline(t, out) })

	logs := fns.logs()
	if !strings.Contains(logs, `"route":"/dl/{id}"`) {
		t.Errorf("no request log lines in the functions' output:\n%s", lambdarie.Tail(logs, 2000))
	}
	for _, secret := range fixture.cat.Secrets() {
		if strings.Contains(logs, secret) {
			t.Errorf("the functions' output holds %q", secret)
		}
	}
}

// vercelTooManyWrongCodes: guessing codes from one address ends in 429s,
// for the right code too.
func vercelTooManyWrongCodes(t *testing.T, s *lambdarie.Site) {
	edge := fixture.cat.Edge
	ip := map[string]string{"X-Real-IP": "203.0.113.77", "X-Forwarded-For": "203.0.113.77"}
	for i := 0; i < 100; i++ {
		res := s.Do(t, "GET", "/dl/"+strconv.Itoa(edge.ID)+"?code=guess"+strconv.Itoa(i), ip)
		if res.Status == http.StatusTooManyRequests {
			lambdarie.CheckOneLineError(t, "429", res)
			if res.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			// The right code from that address is refused too.
			if res := s.Do(t, "GET", edge.DL(), ip); res.Status != http.StatusTooManyRequests {
				t.Errorf("right code while limited: %d", res.Status)
			}
			return
		}
		if res.Status != http.StatusForbidden {
			t.Fatalf("wrong code #%d: %d %q", i, res.Status, res.Body)
		}
	}
	t.Fatal("100 wrong codes from one address, never a 429")
}

// vercelTelegramUnreachable: with Telegram down a request needing it gets
// a quick 503 or 504, and service comes back by itself.
func vercelTelegramUnreachable(t *testing.T, s *lambdarie.Site) {
	fake := fixture.cat.Fake
	// A message not resolved yet needs Telegram.
	late := lambdarie.File{Caption: "late", Data: tgfake.Pattern(9, 5000)}
	late.ID = fake.AddMessage(late.Caption, &tgfake.Media{Kind: tgfake.KindDocument, Name: "late.bin",
		MIMEType: "application/octet-stream", Content: late.Data})
	fake.SetReachable(false)
	start := time.Now()
	res := s.Do(t, "GET", late.DL(), nil)
	fake.SetReachable(true)
	if res.Status != http.StatusServiceUnavailable && res.Status != http.StatusGatewayTimeout {
		t.Fatalf("Telegram down: %d %q, want 503 or 504", res.Status, res.Body)
	}
	lambdarie.CheckOneLineError(t, "Telegram down", res)
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Telegram down: answered after %v", d)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := s.Do(t, "GET", late.DL(), nil)
		if res.Status == 200 {
			if !bytes.Equal(res.Body, late.All(t)) {
				t.Errorf("after recovery: wrong bytes")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %d %q", res.Status, res.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// vercelRequestDeadline: the Vercel runtime's request has no deadline;
// the Vercel profile's RequestTimeout (VERCEL_REQUEST_TIMEOUT) ends a stuck
// request with a clean 504 long before Vercel would kill the function. It
// runs the built dl function once more, with a 2 s timeout.
func vercelRequestDeadline(t *testing.T, out *vercelOutput) {
	env := maps.Clone(fixture.env)
	env["VERCEL_REQUEST_TIMEOUT"] = "2s"
	e := lambdarie.Start(t, out.bootstraps["functions/dl.go"], env)
	s := vercelSite(out.routes, func(file string) (*lambdarie.Emulator, error) {
		if file != "functions/dl.go" {
			return nil, fmt.Errorf("%s is not the function under test", file)
		}
		return e, nil
	})
	edge, fake := fixture.cat.Edge, fixture.cat.Fake

	// Log in and resolve (may take a while on a cold client; retried).
	for i := 0; ; i++ {
		res := s.Do(t, "HEAD", edge.DL(), nil)
		if res.Status == 200 {
			break
		}
		if i == 5 {
			t.Fatalf("warm-up: %d %q", res.Status, res.Body)
		}
	}
	fake.SetLatency(6 * time.Second)
	defer fake.SetLatency(0)
	start := time.Now()
	res := s.Do(t, "GET", edge.DL(), map[string]string{"Range": "bytes=0-99"})
	took := time.Since(start)
	if res.Status != http.StatusGatewayTimeout {
		t.Errorf("stuck request: %d %q, want 504", res.Status, res.Body)
	} else {
		lambdarie.CheckOneLineError(t, "504", res)
	}
	if took < 2*time.Second || took > 5*time.Second {
		t.Errorf("stuck request answered after %v, want about 2s", took)
	}
}
