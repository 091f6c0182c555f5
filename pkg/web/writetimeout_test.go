package web

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestWriteIdleTimeoutEndsStalledClients: a client that sends a request
// and reads nothing makes the handler's writes fail within about the
// timeout; a client that reads gets everything, however long it takes in
// all.
func TestWriteIdleTimeoutEndsStalledClients(t *testing.T) {
	const timeout = 300 * time.Millisecond
	ended := make(chan error, 4)
	chunk := []byte(strings.Repeat("x", 32<<10))
	h := WriteIdleTimeout(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(256*len(chunk)))
		for range 256 { // 8 MiB: more than loopback buffers take
			if _, err := w.Write(chunk); err != nil {
				ended <- err
				return
			}
			if r.URL.Query().Has("slow") {
				time.Sleep(5 * time.Millisecond) // slower than the client, never idle for long
			}
		}
		ended <- nil
	}), timeout)
	srv := httptest.NewServer(h)
	defer srv.Close()

	t.Run("stalled client is ended", func(t *testing.T) {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		select {
		case err := <-ended:
			if err == nil {
				t.Fatal("the handler wrote 8 MiB to a client that reads nothing")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a stalled client held the handler for 30s")
		}
	})
	t.Run("reading client gets it all", func(t *testing.T) {
		res, err := http.Get(srv.URL + "/?slow")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err != nil || n != int64(256*len(chunk)) {
			t.Fatalf("read %d bytes: %v", n, err)
		}
		if err := <-ended; err != nil {
			t.Fatalf("handler: %v", err)
		}
	})
}
