package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/lambdarie"
)

// TestLambdaDeadlineAfterSilentDeath: a warm function whose Telegram
// connection died silently while it was frozen (nothing comes back on it,
// not even the answer to gotd's rpc_drop_answer) still answers before its
// invocation deadline: the stream's Close does not wait for gotd's drops
// (else a 4 s invocation answers after about 30 s).
func TestLambdaDeadlineAfterSilentDeath(t *testing.T) {
	cat := startFake(t)
	e := startEmulator(t, cat.Fake, map[string]string{"AWS_LAMBDA_FUNCTION_TIMEOUT": "4"})
	s := functionURL(e, lambdarie.DecodeStreamed)
	warmUp(t, s, cat.Edge.DL())
	// A GET opens the connections that fetch file parts too.
	if res := s.Do(t, "GET", cat.Edge.DL(), map[string]string{"Range": "bytes=0-9"}); res.Status != 206 {
		t.Fatalf("warm-up: %d %q", res.Status, res.Body)
	}
	cat.Fake.SilenceConnections()
	start := time.Now()
	res := s.Do(t, "GET", cat.Edge.DL(), map[string]string{"Range": "bytes=2000000-2000099"})
	took := time.Since(start)
	if res.Status != http.StatusGatewayTimeout && res.Status != http.StatusServiceUnavailable {
		t.Fatalf("request over a dead connection: %d %q, want 504 or 503", res.Status, res.Body)
	}
	lambdarie.CheckOneLineError(t, "dead connection", res)
	if took > 4*time.Second {
		t.Errorf("answered after %v, past the 4 s invocation deadline", took)
	}
}

// warmUp logs the function in and resolves target: on a busy machine the
// cold login may not fit one short invocation, so it is retried (the
// login goes on across invocations).
func warmUp(t *testing.T, s *lambdarie.Site, target string) {
	t.Helper()
	for i := 0; ; i++ {
		res := s.Do(t, "HEAD", target, nil)
		if res.Status == http.StatusOK {
			return
		}
		if i == 5 {
			t.Fatalf("warm-up: %d %q", res.Status, res.Body)
		}
	}
}
