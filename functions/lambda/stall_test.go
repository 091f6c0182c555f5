package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/filetolink/filetolink/pkg/httpresponse"
)

// TestStreamingClientStopsReading: Lambda keeps an invocation running while
// its client takes no bytes. A runtime that stops reading (as it does when
// the client does) must see the handler return by itself, its request
// cancelled, and the stream end in ErrStalled, not EOF; Close then returns.
// The idle bound is short here; what is asserted is the order of events.
func TestStreamingClientStopsReading(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	returned := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const size = 1 << 30
		w.Header().Set("Content-Length", strconv.Itoa(size))
		chunk := make([]byte, 32<<10)
		var err error
		for written := 0; written < size && err == nil; written += len(chunk) {
			_, err = w.Write(chunk)
		}
		<-r.Context().Done() // the stall cancels the request, as a deadline would
		returned <- err
	})
	resp, err := streamingHandler(h, 50*time.Millisecond)(context.Background(), raw(functionURLEvent("GET", "/dl/1?code=x", nil)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The runtime reads a little, then its client stops reading.
	if _, err := io.ReadFull(resp.Body, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-returned:
		if err == nil {
			t.Fatal("handler wrote the whole body to a reader that stopped")
		}
	case <-time.After(time.Minute): // a failure bound, not a margin: the idle bound is 50 ms
		t.Fatal("the handler never returned while its reader did not read")
	}
	// The runtime's next read ends the stream with the stall, not EOF.
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, httpresponse.ErrStalled) {
		t.Errorf("stream ended with %v, want ErrStalled", err)
	}
	closed := make(chan error, 1)
	go func() { closed <- resp.Close() }()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close did not return after the handler ended")
	}
}

// TestStreamingSteadyReaderWhole: a reader that keeps reading gets the
// whole body under the same bound.
func TestStreamingSteadyReaderWhole(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const size = 8 << 20
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		chunk := make([]byte, 32<<10)
		for written := 0; written < size; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	resp, err := streamingHandler(h, httpresponse.WriteIdleTimeout)(context.Background(), raw(functionURLEvent("GET", "/dl/1?code=x", nil)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := readStream(t, resp)
	if err != nil || len(body) != size {
		t.Fatalf("read %d bytes, %v; want %d", len(body), err, size)
	}
}
