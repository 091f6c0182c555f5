package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/lambdarie"
	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/platform"
)

// startFake starts a fake Telegram for one test, with the files of
// lambdarie's site checks.
func startFake(t *testing.T) *lambdarie.Catalog {
	t.Helper()
	cat, err := lambdarie.PostCatalog(tgfake.NewTest(t, tgfake.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// functionOrigin is the origin of the function URL the events name.
const functionOrigin = "https://abcdefghij0123456789.lambda-url.eu-west-1.on.aws"

// invokeMode is one way Lambda invokes the function: LAMBDA_INVOKE_MODE
// (and the cap) in env, decode for its answers, the profile it must take.
type invokeMode struct {
	env     map[string]string
	decode  func([]byte) (*lambdarie.Response, error)
	profile platform.Profile
}

// TestLambdaStreaming runs the RESPONSE_STREAM adapter under the emulator.
// The emulator buffers at most 6 MiB + 100 bytes of a stream (Lambda itself
// streams up to 200 MB), so the cap is lowered to 2 MiB here to fit the
// prelude and a whole slice; the 6 MiB default is platform's to test.
func TestLambdaStreaming(t *testing.T) {
	testInvokeMode(t, invokeMode{
		env:     map[string]string{"LAMBDA_INVOKE_MODE": "RESPONSE_STREAM", "MAX_RESPONSE_BYTES": "2097152"},
		decode:  lambdarie.DecodeStreamed,
		profile: platform.Profile{Name: platform.NameLambdaStream, MaxResponseBytes: 2 << 20},
	})
}

// TestLambdaBuffered runs the BUFFERED adapter under the emulator with the
// default cap: the emulator refuses a response over 6 MiB + 100 bytes, as
// Lambda does, so the open-range checks prove the cap's arithmetic.
func TestLambdaBuffered(t *testing.T) {
	testInvokeMode(t, invokeMode{
		env:     map[string]string{"LAMBDA_INVOKE_MODE": "BUFFERED"},
		decode:  lambdarie.DecodeBuffered,
		profile: platform.Profile{Name: platform.NameLambdaBuffered, MaxResponseBytes: platform.LambdaBufferedMaxResponseBytes},
	})
}

// testInvokeMode serves lambdarie's site checks and the Lambda ones below
// through one function instance in mode: it logs in once, and its log holds
// one line per request and no secret.
func testInvokeMode(t *testing.T, mode invokeMode) {
	cat := startFake(t)
	e := startEmulator(t, cat.Fake, mode.env)
	s := functionURL(e, mode.decode)
	before := cat.Fake.Logins()

	lambdarie.CheckSite(t, s, cat, lambdarie.Want{Platform: mode.profile.Name, MaxResponseBytes: mode.profile.MaxResponseBytes, BaseURL: functionOrigin})
	t.Run("ConditionalAndRangeHeaders", func(t *testing.T) { conditionalTable(t, s, cat) })
	t.Run("Events", func(t *testing.T) { checkEvents(t, e, s) })
	t.Run("BadEvent", func(t *testing.T) {
		ev := functionURLEvent("GET", "/", nil)
		ev.Body, ev.IsBase64Encoded = "%%% not base64", true
		res := s.Invoke(t, "/", raw(ev))
		if res.Status != 400 {
			t.Errorf("event with a bad body: %d %q", res.Status, res.Body)
		}
		lambdarie.CheckOneLineError(t, "bad event", res)
	})

	if n := cat.Fake.Logins() - before; n != 1 {
		t.Errorf("%d logins over many invocations of one function instance, want 1", n)
	}
	logs := e.Logs.String()
	if !strings.Contains(logs, `"route":"/dl/{id}"`) {
		t.Errorf("no request log lines in the function's output:\n%s", lambdarie.Tail(logs, 2000))
	}
	for _, secret := range cat.Secrets() {
		if strings.Contains(logs, secret) {
			t.Errorf("the function's output holds %q", secret)
		}
	}
}

// TestLambdaDeadline: the invocation's deadline bounds the request. With a
// 4 s function timeout and Telegram holding every file part for 20 s, the
// request ends with a clean 504 before Lambda would stop the function.
func TestLambdaDeadline(t *testing.T) {
	cat := startFake(t)
	e := startEmulator(t, cat.Fake, map[string]string{"AWS_LAMBDA_FUNCTION_TIMEOUT": "4"})
	s := functionURL(e, lambdarie.DecodeStreamed)
	warmUp(t, s, cat.Edge.DL())
	cat.Fake.SetLatency(20 * time.Second)
	defer cat.Fake.SetLatency(0)
	start := time.Now()
	res := s.Do(t, "GET", cat.Edge.DL(), map[string]string{"Range": "bytes=0-99"})
	took := time.Since(start)
	if res.Status != http.StatusGatewayTimeout {
		t.Fatalf("stuck request: %d %q, want 504", res.Status, res.Body)
	}
	lambdarie.CheckOneLineError(t, "504", res)
	if took > 4*time.Second {
		t.Errorf("answered after %v, past the 4 s invocation deadline", took)
	}
}
