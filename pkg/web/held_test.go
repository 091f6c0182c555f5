package web

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// heldRequests are requests that announce a body and never send it.
var heldRequests = map[string]string{
	"content-length": "GET %s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n",
	"chunked":        "GET %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
	"head":           "HEAD %s HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
}

// A GET or HEAD announcing a body is answered 400 at once and its
// connection closed: nothing waits for the body, no stream slot is taken,
// Telegram is not asked.
func TestReadWithABodyIsRefusedWithoutWaiting(t *testing.T) {
	e := newEnv(t, Options{MaxStreams: 1})
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	for name, req := range heldRequests {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a failsafe: the answer is immediate
			if _, err := io.WriteString(c, strings.Replace(req, "%s", dl(1, codeSmall), 1)); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(c)
			res, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", res.StatusCode)
			}
			if _, err := r.ReadByte(); err != io.EOF {
				t.Errorf("connection after the 400: %v, want closed", err)
			}
		})
	}
	if len(e.files.opens) != 0 {
		t.Errorf("Telegram asked for %d bodies", len(e.files.opens))
	}
	// The one slot is free.
	if w := e.do("GET", dl(1, codeSmall)); w.Code != http.StatusOK {
		t.Errorf("download after: %d", w.Code)
	}
}

// A POST body that does not come is given up after bodyReadTimeout; one
// that comes is read and answered with no deadline left on it.
func TestBodyHasAReadDeadline(t *testing.T) {
	got := make(chan string, 1)
	e := newEnv(t, Options{Webhook: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			got <- "error"
			http.Error(w, "could not read", http.StatusBadRequest)
			return
		}
		got <- string(b)
	})})
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	res, err := http.Post(srv.URL+"/telegram", "application/json", strings.NewReader(`{"update_id":1}`))
	if err != nil || res.StatusCode != http.StatusOK || <-got != `{"update_id":1}` {
		t.Fatalf("a whole body: %v %v", res, err)
	}
	res.Body.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
	if v := <-got; v != "error" { // after bodyReadTimeout
		t.Errorf("a body that never came was read as %q", v)
	}
}

// One client address holds at most its share of the stream slots; another
// address still gets one.
func TestStreamSlotsPerClient(t *testing.T) {
	e := newEnv(t, Options{MaxStreams: 16}) // a share of 2
	opened := make(chan struct{}, 16)
	release := make(chan struct{})
	e.files.openHook = func(ctx context.Context) error {
		opened <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}
	var wg sync.WaitGroup
	get := func(addr string) {
		wg.Go(func() {
			r := httptest.NewRequest("GET", dl(1, codeSmall), nil)
			r.RemoteAddr = addr
			e.h.ServeHTTP(httptest.NewRecorder(), r)
		})
	}
	get("192.0.2.7:1")
	get("192.0.2.7:2")
	<-opened
	<-opened
	w := e.do("GET", dl(1, codeSmall)) // from 192.0.2.7
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "your address") {
		t.Errorf("third download of one address: %d %q", w.Code, w.Body.String())
	}
	get("198.51.100.9:1")
	<-opened // another address is served
	close(release)
	wg.Wait()
	if w := e.do("GET", dl(4, codeSmall)); w.Code != http.StatusOK {
		t.Errorf("after the downloads ended: %d", w.Code)
	}
}

// Wrong webhook secrets are limited per address: at the limit even the
// right one gets 429 (a guesser learns nothing more); other addresses are
// not affected.
func TestWebhookFailuresAreLimited(t *testing.T) {
	const limit = 5
	e := newEnv(t, Options{CodeFailuresPerMinute: limit, Webhook: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Secret") != "right-secret-0123" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})})
	for i := range limit {
		if w := e.do("POST", "/telegram", "X-Secret", "guess"); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, w.Code)
		}
	}
	for _, secret := range []string{"guess", "right-secret-0123"} {
		if w := e.do("POST", "/telegram", "X-Secret", secret); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s after %d failures: %d, want 429", secret, limit, w.Code)
		}
	}
	r := httptest.NewRequest("POST", "/telegram", nil)
	r.RemoteAddr = "198.51.100.9:1"
	r.Header.Set("X-Secret", "right-secret-0123")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("another address: %d, want 200", w.Code)
	}
}

// LimitConnsPerAddr closes a connection over an address's bound at once
// and counts it; other addresses, and the address once a connection
// closed, are served.
func TestConnsPerAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limited := LimitConnsPerAddr(ln, 2)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })}
	go func() { _ = srv.Serve(limited) }()
	defer srv.Close()
	addr := ln.Addr().String()
	dial := func(from string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a failsafe
		return c
	}
	served := func(c net.Conn) bool {
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return false
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}
	a, b := dial("127.0.0.1"), dial("127.0.0.1")
	defer a.Close()
	if !served(a) || !served(b) {
		t.Fatal("connections within the bound not served")
	}
	over := dial("127.0.0.1")
	if served(over) {
		t.Error("a third connection of one address was served")
	}
	over.Close()
	if limited.Refused() != 1 {
		t.Errorf("refused %d, want 1", limited.Refused())
	}
	other := dial("127.0.0.2")
	if !served(other) {
		t.Error("another address was not served")
	}
	other.Close()
	b.Close()
	for { // b's place comes back once the server has seen it close
		c := dial("127.0.0.1")
		ok := served(c)
		c.Close()
		if ok {
			break
		}
	}
}

// cancelAtEnd cancels the request once the whole body is written: a client
// that closes its connection as soon as it has every byte.
type cancelAtEnd struct {
	*httptest.ResponseRecorder
	cancel  context.CancelFunc
	written int
	size    int
}

func (w *cancelAtEnd) Write(p []byte) (int, error) {
	n, err := w.ResponseRecorder.Write(p)
	if w.written += n; w.written >= w.size {
		w.cancel()
	}
	return n, err
}

// A download that sent every byte is logged as such, whatever the client
// did after; one cut short is logged with its failure.
func TestCompleteDownloadIsNotClientGone(t *testing.T) {
	e := newEnv(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelAtEnd{ResponseRecorder: httptest.NewRecorder(), cancel: cancel, size: sizeSmall}
	r := httptest.NewRequest("GET", dl(1, codeSmall), nil).WithContext(ctx)
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.Len() != sizeSmall || ctx.Err() == nil {
		t.Fatalf("%d, %d bytes, ctx %v", w.Code, w.Body.Len(), ctx.Err())
	}
	if log := e.log.String(); strings.Contains(log, "client_gone") || !strings.Contains(log, "status=200") {
		t.Errorf("a complete download logged as:\n%s", log)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	w = &cancelAtEnd{ResponseRecorder: httptest.NewRecorder(), cancel: cancel, size: 1}
	e.h.ServeHTTP(w, httptest.NewRequest("GET", dl(1, codeSmall), nil).WithContext(ctx))
	if lines := strings.Split(strings.TrimSpace(e.log.String()), "\n"); !strings.Contains(lines[len(lines)-1], "error=") {
		t.Errorf("a download cut short logged as:\n%s", e.log.String())
	}
}
