package main

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// 128 connections from one address that announce a body and never send it
// (Content-Length: 10, or chunked with no chunk) do not stop another
// client's download: each is answered 400 at once or, over the address's
// bound, closed; none holds a stream slot.
func TestHeldConnectionsDoNotStopDownloads(t *testing.T) {
	t.Parallel()
	fake, env := fakeTelegram(t)
	content := tgfake.Pattern(18, 2<<20+17)
	id := fake.AddMessage("held-code", &tgfake.Media{Kind: "document", Name: "held.bin", MIMEType: "application/octet-stream", Content: content})
	env["MAX_STREAMS"] = "100"
	p := startServer(t, env)
	target := fmt.Sprintf("/dl/%d?code=held-code", id)
	addr := strings.TrimPrefix(p.base, "http://")

	const held = 128
	attacker := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	conns := make([]net.Conn, 0, held)
	for i := range held {
		c, err := attacker.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req := "GET " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
		if i%2 == 1 {
			req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		}
		_, _ = io.WriteString(c, req) // fails if the server closed it already
		conns = append(conns, c)
	}
	answered, closed := 0, 0
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second)) // a failsafe: the answer is immediate
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		var ne net.Error
		switch {
		case err == nil && res.StatusCode == http.StatusBadRequest:
			answered++
		case err == nil:
			t.Errorf("held connection %d: %d, want 400", i, res.StatusCode)
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("held connection %d: no answer (it holds the server); %d answered, %d closed before\n%s", i, answered, closed, p.out.String())
		default: // EOF or reset: closed over the address's bound
			closed++
		}
	}

	res, body := get(t, p.base+target)
	want := sha256.Sum256(tgfake.ReadRange(t, content, 0, content.Size()-1))
	if res.StatusCode != http.StatusOK || sha256.Sum256(body) != want {
		t.Fatalf("a normal download beside %d held connections: %d, %d bytes", held, res.StatusCode, len(body))
	}
	logged := strings.Count(p.out.String(), "error=body_on_read")
	if answered+closed != held || answered == 0 || logged != answered {
		t.Errorf("%d answered 400 (%d logged), %d closed; want %d in all", answered, logged, closed, held)
	}
	// The server logs a request once its handler returns, which may be
	// after the client has read the last byte: wait for the line.
	completed := func() (n int) {
		for _, line := range strings.Split(p.out.String(), "\n") {
			if strings.Contains(line, "route=/dl/{id}") && strings.Contains(line, "status=200") && strings.Contains(line, fmt.Sprintf("bytes=%d", content.Size())) {
				n++
			}
		}
		return n
	}
	ok := completed()
	for deadline := time.Now().Add(10 * time.Second); ok == 0 && time.Now().Before(deadline); ok = completed() {
		time.Sleep(20 * time.Millisecond)
	}
	if ok != 1 {
		t.Errorf("%d complete downloads logged, want 1:\n%s", ok, p.out.String())
	}
}
