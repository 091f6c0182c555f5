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

func TestStreamingAdapter(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tests := []struct {
		name       string
		method     string
		h          http.HandlerFunc
		status     int
		body       string
		bodyFails  bool
		wantHeader map[string]string
	}{
		{
			name: "plain",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Add("X-Multi", "a")
				w.Header().Add("X-Multi", "b")
				w.WriteHeader(http.StatusTeapot)
				w.WriteHeader(http.StatusOK) // ignored, as in net/http
				io.WriteString(w, "short and stout")
			},
			status: http.StatusTeapot, body: "short and stout",
			wantHeader: map[string]string{"Content-Type": "text/plain", "X-Multi": "a,b"},
		},
		{
			name:   "nothing written is 200",
			h:      func(w http.ResponseWriter, r *http.Request) {},
			status: 200, body: "",
		},
		{
			name:   "HEAD sends no body",
			method: "HEAD",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "5")
				io.WriteString(w, "hello")
			},
			status: 200, body: "", wantHeader: map[string]string{"Content-Length": "5"},
		},
		{
			name: "304 sends no body",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotModified)
				io.WriteString(w, "hello")
			},
			status: 304, body: "",
		},
		{
			name: "headers changed after the status are not sent",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(200)
				w.Header().Set("X-Late", "1")
				io.WriteString(w, "ok")
			},
			status: 200, body: "ok", wantHeader: map[string]string{"X-Late": ""},
		},
		{
			name: "panic before the status is a 500",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Secret-Header", "x")
				panic("boom")
			},
			status: 500, body: "internal error\n",
			wantHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Secret-Header": ""},
		},
		{
			name: "panic after the status breaks the stream",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "10")
				io.WriteString(w, "hello")
				panic(http.ErrAbortHandler)
			},
			status: 200, body: "hello", bodyFails: true,
		},
		{
			name: "body shorter than its Content-Length breaks the stream",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "10")
				io.WriteString(w, "hello")
			},
			status: 200, body: "hello", bodyFails: true,
		},
		{
			name: "bytes past Content-Length are refused",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "3")
				if _, err := io.WriteString(w, "hello"); err == nil {
					t.Error("writing past Content-Length succeeded")
				}
				io.WriteString(w, "hel")
			},
			status: 200, body: "hel",
		},
		{
			name: "Set-Cookie goes to cookies",
			h: func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
				http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
			},
			status: 200, wantHeader: map[string]string{"Set-Cookie": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			resp, err := streamingHandler(tt.h)(context.Background(), raw(functionURLEvent(method, "/x?y=1", nil)))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Headers[k]; got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			body, err := readStream(t, resp)
			if body != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			if (err != nil) != tt.bodyFails {
				t.Errorf("body error %v, want an error: %v", err, tt.bodyFails)
			}
		})
	}
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
	resp, err := streamingHandler(h)(ctx, raw(ev))
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
		resp, err := streamingHandler(h)(context.Background(), raw(ev))
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
	resp, err := streamingHandler(h)(context.Background(), raw(functionURLEvent("GET", "/", nil)))
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

func TestBufferedAdapter(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tests := []struct {
		name      string
		method    string
		h         http.HandlerFunc
		status    int
		body      string
		invokeErr bool
	}{
		{"text is base64 too", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "\x00<&>")
		}, 200, "\x00<&>", false},
		{"first status wins", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			w.WriteHeader(200)
			io.WriteString(w, "gone")
		}, 404, "gone", false},
		{"nothing written is 200", "GET", func(w http.ResponseWriter, r *http.Request) {}, 200, "", false},
		{"HEAD sends no body", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		}, 200, "", false},
		{"panic is a 500", "GET", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, 500, "internal error\n", false},
		{"abort fails the invocation", "GET", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "half")
			panic(http.ErrAbortHandler)
		}, 0, "", true},
		{"short body fails the invocation", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "hello")
		}, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := bufferedHandler(tt.h)(context.Background(), raw(functionURLEvent(tt.method, "/x", nil)))
			if tt.invokeErr {
				if err == nil {
					t.Fatalf("invocation succeeded with %d %q", resp.StatusCode, resp.Body)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if resp.Body != "" && !resp.IsBase64Encoded {
				t.Errorf("body not base64-encoded")
			}
			body, _ := base64.StdEncoding.DecodeString(resp.Body)
			if string(body) != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
		})
	}
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
