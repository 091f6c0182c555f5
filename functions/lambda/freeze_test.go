package main

import (
	"net/http"
	"testing"
	"time"
)

// TestLambdaDeadlineAfterSilentDeath: a warm function whose Telegram
// connection died silently while it was frozen (nothing comes back on it,
// not even the answer to gotd's rpc_drop_answer) still answers before its
// invocation deadline. It used to answer a 4 s invocation after about 30 s:
// the stream's Close waited for gotd's drops.
func TestLambdaDeadlineAfterSilentDeath(t *testing.T) {
	cat := startFake(t)
	e := startEmulator(t, cat.fake, map[string]string{"AWS_LAMBDA_FUNCTION_TIMEOUT": "4"})
	c := &client{t: t, e: e, parse: parseStreamed}
	warmUp(t, c, dl(cat.edge, edgeCaption))
	// A GET opens the connections that fetch file parts too.
	if res := c.do("GET", dl(cat.edge, edgeCaption), map[string]string{"Range": "bytes=0-9"}); res.status != 206 {
		t.Fatalf("warm-up: %d %q", res.status, res.body)
	}
	cat.fake.SilenceConnections()
	start := time.Now()
	res := c.do("GET", dl(cat.edge, edgeCaption), map[string]string{"Range": "bytes=2000000-2000099"})
	took := time.Since(start)
	if res.status != http.StatusGatewayTimeout && res.status != http.StatusServiceUnavailable {
		t.Fatalf("request over a dead connection: %d %q, want 504 or 503", res.status, res.body)
	}
	checkOneLineError(t, "dead connection", res)
	if took > 4*time.Second {
		t.Errorf("answered after %v, past the 4 s invocation deadline", took)
	}
}

// warmUp logs the function in and resolves target: on a busy machine the
// cold login may not fit one short invocation, so it is retried (the
// login goes on across invocations).
func warmUp(t *testing.T, c *client, target string) {
	t.Helper()
	for i := 0; ; i++ {
		res := c.do("HEAD", target, nil)
		if res.status == http.StatusOK {
			return
		}
		if i == 5 {
			t.Fatalf("warm-up: %d %q", res.status, res.body)
		}
	}
}
