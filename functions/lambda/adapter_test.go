package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.uber.org/goleak"

	"github.com/filetolink/filetolink/internal/testkit"
)

// Unit tests of the two adapters with small handlers: the cases a real
// service should never produce (panics, short bodies), and the details the
// emulator tests cannot see.

// readStream drains a streamed response as the runtime does, then closes it.
func readStream(t *testing.T, resp *events.LambdaFunctionURLStreamingResponse) (string, error) {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if cerr := resp.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return string(b), err
}

// TestStreamingAdapter: a streamed answer is Run's as it went out, a
// broken one a stream that ends in an error; Set-Cookie goes to cookies.
func TestStreamingAdapter(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	testkit.RunHandlers(t, func(t *testing.T, tc testkit.HandlerCase) {
		resp, err := streamingHandler(tc.Serve, time.Minute)(context.Background(), raw(functionURLEvent(tc.Method, "/x?y=1", nil)))
		if err != nil {
			t.Fatal(err)
		}
		body, err := readStream(t, resp)
		tc.Want.Check(t, resp.StatusCode, lambdaHeader(t, resp.Headers, resp.Cookies), body, err != nil)
	})
}

// lambdaHeader is a function URL answer's headers and cookies as one
// http.Header; a Set-Cookie among the headers fails t.
func lambdaHeader(t *testing.T, headers map[string]string, cookies []string) http.Header {
	t.Helper()
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	if _, ok := h["Set-Cookie"]; ok {
		t.Errorf("Set-Cookie among the headers, not the cookies: %v", headers)
	}
	h["Set-Cookie"] = cookies
	return h
}

// raw is the JSON the runtime hands a handler for ev.
func raw(ev any) json.RawMessage {
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

func TestStreamingRequest(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var got *http.Request
	var gotBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
	})
	ev := functionURLEvent("PUT", "/dl/5?code=a%20b&x=1", map[string]string{"Range": "bytes=0-1"})
	ev.Cookies = []string{"a=1", "b=2"}
	ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte("\x00payload")), true
	deadline := time.Now().Add(30 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	resp, err := streamingHandler(h, time.Minute)(ctx, raw(ev))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readStream(t, resp); err != nil {
		t.Fatal(err)
	}
	if got.Method != "PUT" || got.URL.Path != "/dl/5" || got.URL.RawQuery != "code=a%20b&x=1" || got.RequestURI != "/dl/5?code=a%20b&x=1" {
		t.Errorf("request %s %s (%q)", got.Method, got.URL, got.RequestURI)
	}
	if got.Host != ev.RequestContext.DomainName || got.RemoteAddr != "198.51.100.23" || got.Header.Get("Range") != "bytes=0-1" {
		t.Errorf("Host %q RemoteAddr %q Range %q", got.Host, got.RemoteAddr, got.Header.Get("Range"))
	}
	if c, err := got.Cookie("b"); err != nil || c.Value != "2" {
		t.Errorf("cookie b: %v %v", c, err)
	}
	if gotBody != "\x00payload" || got.ContentLength != 8 {
		t.Errorf("body %q, ContentLength %d", gotBody, got.ContentLength)
	}
	d, ok := got.Context().Deadline()
	if !ok || !d.Before(deadline) || deadline.Sub(d) > deadlineMargin {
		t.Errorf("request deadline %v (%v), want at most %v before the invocation's %v", d, ok, deadlineMargin, deadline)
	}

	// A path that is not a path is answered 400 without the handler.
	for _, path := range []string{"nope", "/%zz"} {
		ev := functionURLEvent("GET", "/", nil)
		ev.RawPath = path
		resp, err := streamingHandler(h, time.Minute)(context.Background(), raw(ev))
		if err != nil || resp.StatusCode != 400 {
			t.Errorf("path %q: %v %v", path, resp.StatusCode, err)
		}
	}
}

// TestStreamingCloseStopsHandler: when the runtime closes the response
// early (it could not send it), the handler's context ends and Close
// returns only after the handler did.
func TestStreamingCloseStopsHandler(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	returned := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		w.WriteHeader(200)
		for r.Context().Err() == nil {
			if _, err := w.Write(make([]byte, 1024)); err != nil {
				break
			}
		}
	})
	resp, err := streamingHandler(h, time.Minute)(context.Background(), raw(functionURLEvent("GET", "/", nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := resp.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-returned:
	default:
		t.Fatal("Close returned before the handler")
	}
}

// TestBufferedAdapter: a buffered answer is Run's, its body always
// base64-encoded; a broken one fails the invocation.
func TestBufferedAdapter(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	testkit.RunHandlers(t, func(t *testing.T, tc testkit.HandlerCase) {
		resp, err := bufferedHandler(tc.Serve)(context.Background(), raw(functionURLEvent(tc.Method, "/x", nil)))
		if tc.Want.Broken {
			if err == nil {
				t.Fatalf("invocation succeeded with %d %q", resp.StatusCode, resp.Body)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if resp.Body != "" && !resp.IsBase64Encoded {
			t.Errorf("body not base64-encoded")
		}
		body, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			t.Errorf("body: %v", err)
		}
		tc.Want.Check(t, resp.StatusCode, lambdaHeader(t, resp.Headers, resp.Cookies), string(body), false)
	})
}

func TestRequestContext(t *testing.T) {
	ctx, cancel := requestContext(context.Background())
	if _, ok := ctx.Deadline(); ok {
		t.Error("deadline without an invocation deadline")
	}
	cancel()
	for _, left := range []time.Duration{2 * time.Second, 60 * time.Second} {
		dl := time.Now().Add(left)
		parent, cancelParent := context.WithDeadline(context.Background(), dl)
		ctx, cancel := requestContext(parent)
		got, _ := ctx.Deadline()
		margin := dl.Sub(got)
		if margin <= 0 || margin > deadlineMargin || margin > left/10+time.Millisecond {
			t.Errorf("%v left: margin %v", left, margin)
		}
		if ctx.Err() != nil {
			t.Errorf("context ended early")
		}
		cancel()
		cancelParent()
	}
}
