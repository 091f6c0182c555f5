package httpresponse

import (
	"errors"
	"io"
	"testing"
	"time"
)

// TestIdleWriterStall: a write into a pipe nobody reads is ended by the
// bound: abort runs once, the write returns ErrStalled, and so does every
// later write; a reader then sees the abort's error.
func TestIdleWriterStall(t *testing.T) {
	pr, pw := io.Pipe()
	aborts := 0
	w := NewIdleWriter(pw, 10*time.Millisecond, func() {
		aborts++
		pw.CloseWithError(ErrStalled)
	})
	defer w.Stop()
	if _, err := w.Write([]byte("nobody reads this")); !errors.Is(err, ErrStalled) {
		t.Fatalf("stalled write: %v", err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrStalled) {
		t.Fatalf("write after the stall: %v", err)
	}
	if !w.Stalled() || aborts != 1 {
		t.Errorf("Stalled %v, aborts %d", w.Stalled(), aborts)
	}
	if _, err := pr.Read(make([]byte, 1)); !errors.Is(err, ErrStalled) {
		t.Errorf("reader got %v", err)
	}
}

// TestIdleWriterReader: writes a reader takes pass through untouched.
func TestIdleWriterReader(t *testing.T) {
	pr, pw := io.Pipe()
	w := NewIdleWriter(pw, WriteIdleTimeout, func() { t.Error("abort with a reader") })
	defer w.Stop()
	go func() {
		for range 100 {
			if _, err := w.Write([]byte("0123456789")); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	b, err := io.ReadAll(pr)
	if err != nil || len(b) != 1000 {
		t.Fatalf("read %d, %v", len(b), err)
	}
}
