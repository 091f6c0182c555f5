package tgfake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/gotd/td/tg"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPattern(t *testing.T) {
	t.Parallel()
	const size = 3*mib + 17
	p := Pattern(42, size)
	whole, err := io.ReadAll(io.NewSectionReader(p, 0, size))
	if err != nil || len(whole) != size {
		t.Fatalf("sequential read: %d bytes, %v", len(whole), err)
	}
	again := make([]byte, size)
	if n, err := Pattern(42, size).ReadAt(again, 0); n != size || err != nil || !bytes.Equal(again, whole) {
		t.Fatalf("second Pattern(42) differs (n=%d err=%v)", n, err)
	}
	other := make([]byte, 4096)
	_, _ = Pattern(43, size).ReadAt(other, 0)
	if bytes.Equal(other, whole[:4096]) {
		t.Fatal("Pattern(43) equals Pattern(42)")
	}
	if bytes.Equal(whole[:4096], whole[4096:8192]) || bytes.Count(whole[:mib], []byte{0}) > mib/128 {
		t.Fatal("Pattern bytes do not look random")
	}

	for _, r := range []struct{ off, n int64 }{
		{0, 1}, {1, 7}, {7, 9}, {1023, 1025}, {mib - 1, 2}, {size - 1, 1}, {size - 5, 5}, {12345, 100000},
	} {
		b := make([]byte, r.n)
		n, err := p.ReadAt(b, r.off)
		if n != int(r.n) || err != nil || !bytes.Equal(b, whole[r.off:r.off+r.n]) {
			t.Errorf("ReadAt(%d, %d): n=%d err=%v, equal=%v", r.off, r.n, n, err, bytes.Equal(b, whole[r.off:r.off+int64(n)]))
		}
	}
	// Reads that reach past the end.
	b := make([]byte, 10)
	if n, err := p.ReadAt(b, size-4); n != 4 || err != io.EOF || !bytes.Equal(b[:4], whole[size-4:]) {
		t.Errorf("ReadAt over the end: n=%d err=%v", n, err)
	}
	if n, err := p.ReadAt(b, size); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at the end: n=%d err=%v", n, err)
	}
	if _, err := p.ReadAt(b, -1); err == nil {
		t.Error("ReadAt(-1) succeeded")
	}

	// A 4 GiB pattern costs nothing until read.
	huge := Pattern(1, 4<<30)
	tail := make([]byte, 8)
	if n, err := huge.ReadAt(tail, 4<<30-8); n != 8 || err != nil {
		t.Errorf("4 GiB pattern tail: n=%d err=%v", n, err)
	}
}

// FuzzPatternReadAt: a read at any offset agrees with the bytes around it
// read in another cut.
func FuzzPatternReadAt(f *testing.F) {
	f.Add(uint64(1), int64(0), uint16(10), uint16(3))
	f.Add(uint64(7), int64(1<<20-3), uint16(4096), uint16(4095))
	f.Fuzz(func(t *testing.T, seed uint64, off int64, n, split uint16) {
		const size = 8 << 20
		if off < 0 || off > size {
			return
		}
		p := Pattern(seed, size)
		whole := make([]byte, n)
		m, _ := p.ReadAt(whole, off)
		if want := min(int64(n), size-off); int64(m) != want {
			t.Fatalf("ReadAt(%d, %d) = %d bytes, want %d", off, n, m, want)
		}
		whole = whole[:m]
		k := min(int(split), m)
		a, b := make([]byte, k), make([]byte, m-k)
		_, _ = p.ReadAt(a, off)
		_, _ = p.ReadAt(b, off+int64(k))
		if !bytes.Equal(append(a, b...), whole) {
			t.Fatalf("split read at %d+%d differs", off, k)
		}
	})
}

func TestBytes(t *testing.T) {
	c := Bytes([]byte("hello"))
	b := make([]byte, 3)
	if n, err := c.ReadAt(b, 3); n != 2 || err != io.EOF || string(b[:n]) != "lo" || c.Size() != 5 {
		t.Errorf("ReadAt: %d %v %q", n, err, b[:n])
	}
}

func TestAddTestCatalog(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	items := srv.AddTestCatalog()
	if len(items) != 8 {
		t.Fatalf("%d demo items", len(items))
	}
	seen := map[string]bool{}
	for i, it := range items {
		if it.MessageID != i+1 || it.Caption == "" || seen[it.Caption] || it.Size <= 0 {
			t.Errorf("item %d: %+v", i, it)
		}
		seen[it.Caption] = true
		for _, r := range it.Caption {
			if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz0123456789-_", r) {
				t.Errorf("caption %q is not URL-safe", it.Caption)
			}
		}
	}
	if sum := sha256.Sum256(sampleVideo); fmt.Sprintf("%x", sum[:4]) != "ab1fc326" {
		t.Errorf("embedded video.mp4 changed: %x", sum)
	}
	if !bytes.HasPrefix(sampleImage, []byte{0xff, 0xd8}) || !bytes.HasPrefix(sampleAudio, []byte("OggS")) ||
		!bytes.Equal(sampleVideo[4:8], []byte("ftyp")) {
		t.Error("embedded samples are not JPEG / Ogg / MP4")
	}

	kinds := map[string]int{}
	for _, it := range items {
		kinds[it.Kind]++
	}
	if kinds[KindVideo] != 3 || kinds[KindPhoto] != 1 || kinds[KindVoice] != 1 || kinds[KindDocument] != 2 || kinds[KindAudio] != 1 {
		t.Errorf("kinds %v", kinds)
	}
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		ch, err := inputChannel(ctx, api, DefaultChannelID)
		if err != nil {
			return err
		}
		for _, it := range items {
			m, err := getMessage(ctx, api, ch, it.MessageID)
			if err != nil {
				return err
			}
			msg, ok := m.(*tg.Message)
			if !ok || msg.Message != it.Caption || msg.Media == nil {
				return fmt.Errorf("message %d: %+v", it.MessageID, m)
			}
			if md, ok := msg.Media.(*tg.MessageMediaDocument); ok {
				d := md.Document.(*tg.Document)
				name, _ := fileName(d)
				if d.Size != it.Size || name != it.Name || d.MimeType != it.MIMEType {
					return fmt.Errorf("message %d: document %q %d %s, item %+v", it.MessageID, name, d.Size, d.MimeType, it)
				}
			}
		}
		return nil
	})
}
