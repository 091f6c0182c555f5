package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestContentLazyOpen(t *testing.T) {
	files := newMemFiles()
	f := files.add(stubFile(1), 5000)
	data := pattern(5000)
	c := newContent(t.Context(), files, f, &rangePlan{size: f.Size, ranges: []httpRange{{100, 199}, {1000, 1999}}})
	defer c.Close()

	// Seeks alone fetch nothing.
	if n, err := c.Seek(0, io.SeekEnd); n != 5000 || err != nil {
		t.Fatalf("SeekEnd: %d %v", n, err)
	}
	if n, _ := c.Seek(0, io.SeekStart); n != 0 {
		t.Fatalf("SeekStart: %d", n)
	}
	if _, err := c.Seek(-1, io.SeekStart); err == nil {
		t.Error("negative seek accepted")
	}
	if len(files.openCalls()) != 0 {
		t.Fatal("Seek opened the file")
	}

	// A read inside a range fetches to its end, no further.
	c.Seek(100, io.SeekStart)
	got := make([]byte, 100)
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, data[100:200]) {
		t.Fatalf("range 100-199: %v", err)
	}
	// Past the range's end: a new Open to the end of the file.
	one := make([]byte, 1)
	if _, err := io.ReadFull(c, one); err != nil || one[0] != data[200] {
		t.Fatalf("byte 200: %v", err)
	}
	want := []openCall{{1, 100, 199}, {1, 200, 4999}}
	if got := files.openCalls(); !equalCalls(got, want) {
		t.Fatalf("Open calls %v, want %v", got, want)
	}

	// Seeking to where the open body stands keeps it.
	c.Seek(201, io.SeekStart)
	c.Seek(0, io.SeekCurrent)
	io.ReadFull(c, one)
	if n := len(files.openCalls()); n != 2 {
		t.Errorf("a seek to the current position reopened: %d calls", n)
	}
	// Seeking elsewhere reopens, at the range holding the position.
	c.Seek(1500, io.SeekStart)
	io.ReadFull(c, one)
	if calls := files.openCalls(); calls[len(calls)-1] != (openCall{1, 1500, 1999}) || one[0] != data[1500] {
		t.Errorf("after a seek: %v", calls[len(calls)-1])
	}
	// At or past the end: EOF without Open.
	n := len(files.openCalls())
	for _, pos := range []int64{5000, 6000} {
		c.Seek(pos, io.SeekStart)
		if _, err := c.Read(one); err != io.EOF {
			t.Errorf("read at %d: %v", pos, err)
		}
	}
	if len(files.openCalls()) != n {
		t.Error("read at the end opened the file")
	}
}

func equalCalls(a, b []openCall) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A body that ends early, with the store's error or without one, is a
// short body: the reader gets io.ErrUnexpectedEOF and the result tells it.
func TestContentShortBody(t *testing.T) {
	tests := []struct {
		name string
		edit func(*memFiles)
		want int
	}{
		{"read error", func(m *memFiles) { m.failAfter = 10 }, 10},
		{"early EOF", func(m *memFiles) { m.eofAfter = 30 }, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := newMemFiles()
			tt.edit(files)
			f := files.add(stubFile(1), 100)
			c := newContent(t.Context(), files, f, &rangePlan{size: f.Size})
			defer c.Close()
			got, err := io.ReadAll(c)
			if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != tt.want {
				t.Errorf("read %d bytes, err %v", len(got), err)
			}
			if n, err := c.result(); n != int64(tt.want) || err == nil {
				t.Errorf("result %d, %v", n, err)
			}
		})
	}
}

func TestContentNoFiles(t *testing.T) {
	files := newMemFiles()
	f := files.add(stubFile(1), 100)
	c := newContent(t.Context(), nil, f, &rangePlan{size: f.Size})
	defer c.Close()
	if _, err := c.Read(make([]byte, 10)); !errors.Is(err, errNoBody) {
		t.Errorf("read without Files: %v", err)
	}
}

func TestContentCloseStopsRead(t *testing.T) {
	files := newMemFiles()
	f := files.add(stubFile(1), 100)
	files.openHook = func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	c := newContent(context.Background(), files, f, &rangePlan{size: f.Size})
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		done <- err
	}()
	for len(files.openCalls()) == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("read ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop a blocked Read")
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, errClosed) {
		t.Errorf("read after Close: %v", err)
	}
}
