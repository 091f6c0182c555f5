package tgfake

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

const mib = 1 << 20

func TestCheckFilePart(t *testing.T) {
	tests := []struct {
		offset  int64
		limit   int
		precise bool
		want    string // "" = allowed
	}{
		{0, mib, false, ""},
		{0, 4096, false, ""},
		{mib, 512 << 10, false, ""},
		{mib + 512<<10, 512 << 10, false, ""},
		{4096, 4096, false, ""},
		{1024, 4096, false, "OFFSET_INVALID"},
		{0, 1024, false, "LIMIT_INVALID"},
		{0, 12 << 10, false, "LIMIT_INVALID"}, // 1 MiB % 12 KiB != 0
		{512 << 10, mib, false, "LIMIT_INVALID"},
		{0, 2 * mib, false, "LIMIT_INVALID"},

		{0, 1024, true, ""},
		{1024, 3072, true, ""},
		{mib - 1024, 1024, true, ""},
		{5*mib + 7168, mib - 7168, true, ""},
		{mib - 1024, 2048, true, "LIMIT_INVALID"}, // crosses 1 MiB
		{1000, 1024, true, "OFFSET_INVALID"},
		{0, 1000, true, "LIMIT_INVALID"},
		{0, mib + 1024, true, "LIMIT_INVALID"},
		{1024, mib, true, "LIMIT_INVALID"},

		{0, 0, true, "LIMIT_INVALID"},
		{0, -4096, false, "LIMIT_INVALID"},
		{-1024, 1024, true, "OFFSET_INVALID"},
		{-4096, 4096, false, "OFFSET_INVALID"},
	}
	for _, tt := range tests {
		got := ""
		if err := checkFilePart(tt.offset, tt.limit, tt.precise); err != nil {
			got = err.Type
		}
		if got != tt.want {
			t.Errorf("checkFilePart(%d, %d, precise=%v) = %q, want %q", tt.offset, tt.limit, tt.precise, got, tt.want)
		}
	}
}

// FuzzCheckFilePart: whatever a client asks, an accepted part obeys the rules.
func FuzzCheckFilePart(f *testing.F) {
	f.Add(int64(0), mib, true)
	f.Add(int64(mib-1024), 2048, true)
	f.Add(int64(4096), 4096, false)
	f.Fuzz(func(t *testing.T, offset int64, limit int, precise bool) {
		if checkFilePart(offset, limit, precise) != nil {
			return
		}
		align := int64(4096)
		if precise {
			align = 1024
		}
		end := offset + int64(limit) - 1
		switch {
		case offset < 0 || limit <= 0 || limit > mib:
			t.Fatalf("accepted offset %d limit %d", offset, limit)
		case offset%align != 0 || int64(limit)%align != 0:
			t.Fatalf("accepted unaligned offset %d limit %d (precise %v)", offset, limit, precise)
		case offset/mib != end/mib:
			t.Fatalf("accepted offset %d limit %d across a 1 MiB boundary", offset, limit)
		case !precise && mib%limit != 0:
			t.Fatalf("accepted limit %d that does not divide 1 MiB", limit)
		}
	})
}

func TestGetFile(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	content := Pattern(11, 3*mib+5000)
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "x.bin", Content: content})

	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		doc, err := channelDocument(ctx, api, id)
		if err != nil {
			return err
		}
		loc := docLocation(doc)

		reads := []struct {
			offset  int64
			limit   int
			precise bool
		}{
			{0, mib, false},
			{mib, mib, true},
			{2*mib + 4096, 4096, false},
			{3 * mib, mib, false},      // the last 5000 bytes
			{3*mib + 4096, 1024, true}, // the last 904 bytes
			{3*mib + 5120, 1024, true}, // just past the end: empty
			{7 * mib, 4096, false},     // far past the end: empty
			{2*mib - 1024, 1024, true}, // last KiB before a boundary
			{2*mib + 7168, mib - 7168, true},
		}
		for _, r := range reads {
			res, err := api.UploadGetFile(ctx, &tg.UploadGetFileRequest{Precise: r.precise, Location: loc, Offset: r.offset, Limit: r.limit})
			if err != nil {
				return fmt.Errorf("offset %d limit %d: %w", r.offset, r.limit, err)
			}
			f := res.(*tg.UploadFile)
			if want := contentAt(content, r.offset, r.limit); !bytes.Equal(f.Bytes, want) {
				return fmt.Errorf("offset %d limit %d: got %d bytes, want %d (equal prefix: %v)",
					r.offset, r.limit, len(f.Bytes), len(want), bytes.HasPrefix(want, f.Bytes))
			}
			if f.Type == nil || f.Mtime == 0 {
				return fmt.Errorf("upload.file type %v mtime %d", f.Type, f.Mtime)
			}
		}

		bad := []struct {
			offset  int64
			limit   int
			precise bool
			typ     string
		}{
			{512, 1024, true, "OFFSET_INVALID"},
			{1024, 4096, false, "OFFSET_INVALID"},
			{0, 1000, true, "LIMIT_INVALID"},
			{0, 1024, false, "LIMIT_INVALID"},
			{0, 3 * 4096, false, "LIMIT_INVALID"},
			{0, 2 * mib, true, "LIMIT_INVALID"},
			{mib - 1024, 2048, true, "LIMIT_INVALID"},
			{0, 0, true, "LIMIT_INVALID"},
			{-1024, 1024, true, "OFFSET_INVALID"},
		}
		for _, r := range bad {
			_, err := api.UploadGetFile(ctx, &tg.UploadGetFileRequest{Precise: r.precise, Location: loc, Offset: r.offset, Limit: r.limit})
			if err := wantRPCError(err, 400, r.typ); err != nil {
				return fmt.Errorf("offset %d limit %d precise %v: %w", r.offset, r.limit, r.precise, err)
			}
		}

		locations := []struct {
			loc tg.InputFileLocationClass
			typ string
		}{
			{&tg.InputDocumentFileLocation{ID: doc.ID + 1, AccessHash: doc.AccessHash, FileReference: doc.FileReference}, "FILE_ID_INVALID"},
			{&tg.InputDocumentFileLocation{ID: doc.ID, AccessHash: doc.AccessHash + 1, FileReference: doc.FileReference}, "FILE_ID_INVALID"},
			{&tg.InputPhotoFileLocation{ID: doc.ID, AccessHash: doc.AccessHash, FileReference: doc.FileReference, ThumbSize: "y"}, "FILE_ID_INVALID"},
			{&tg.InputDocumentFileLocation{ID: doc.ID, AccessHash: doc.AccessHash, FileReference: []byte("forged")}, "FILE_REFERENCE_INVALID"},
			{&tg.InputDocumentFileLocation{ID: doc.ID, AccessHash: doc.AccessHash, FileReference: doc.FileReference, ThumbSize: "m"}, "LOCATION_INVALID"},
			{&tg.InputFileLocation{VolumeID: 1, LocalID: 2}, "LOCATION_INVALID"},
		}
		for _, l := range locations {
			_, err := getFile(ctx, api, l.loc, 0, 4096)
			if err := wantRPCError(err, 400, l.typ); err != nil {
				return fmt.Errorf("location %v: %w", l.loc, err)
			}
		}
		return nil
	})
}

func TestGetFileEmptyFile(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	id := srv.AddMessage("empty", &Media{Kind: KindDocument, Name: "empty.txt", MIMEType: "text/plain", Content: Bytes(nil)})
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		doc, err := channelDocument(ctx, api, id)
		if err != nil {
			return err
		}
		if doc.Size != 0 {
			return fmt.Errorf("size %d", doc.Size)
		}
		b, err := getFile(ctx, api, docLocation(doc), 0, 1024)
		if err != nil || len(b) != 0 {
			return fmt.Errorf("read: %d bytes, %v", len(b), err)
		}
		return nil
	})
}

func TestGetPhotoSizes(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	content := Pattern(21, 200<<10)
	id := srv.AddMessage("pic", &Media{Kind: KindPhoto, MIMEType: "image/jpeg", Content: content, Width: 1280, Height: 960})
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		p, err := channelPhoto(ctx, api, id)
		if err != nil {
			return err
		}
		loc := func(size string) *tg.InputPhotoFileLocation { return photoLocation(p, size) }
		largest, err := getFile(ctx, api, loc("y"), 0, mib)
		if err != nil {
			return fmt.Errorf("size y: %w", err)
		}
		if !bytes.Equal(largest, contentAt(content, 0, mib)) {
			return fmt.Errorf("size y: %d bytes, not the content", len(largest))
		}
		small, err := getFile(ctx, api, loc("m"), 0, mib)
		if err != nil {
			return fmt.Errorf("size m: %w", err)
		}
		if want := p.Sizes[1].(*tg.PhotoSize).Size; len(small) != want || bytes.Equal(small, largest[:len(small)]) {
			return fmt.Errorf("size m: %d bytes, want %d other bytes", len(small), want)
		}
		for _, size := range []string{"i", "x", ""} {
			_, err := getFile(ctx, api, loc(size), 0, 4096)
			if err := wantRPCError(err, 400, "LOCATION_INVALID"); err != nil {
				return fmt.Errorf("size %q: %w", size, err)
			}
		}
		return nil
	})
}

// A file on another DC: the home DC answers FILE_MIGRATE naming the file's
// DC; that DC serves it to a connection authorized there by export/import.
func TestFileMigrate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
		dc   int // the file's DC
	}{
		{"default DCs", Options{}, DefaultOtherDC},
		{"DC 5", Options{HomeDC: 1, OtherDC: 5}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newMemory(t, tc.opts)
			content := Pattern(5, 100_000)
			id := srv.AddMessage("code", &Media{Kind: KindVideo, Name: "v.mp4", MIMEType: "video/mp4", Content: content, DC: tc.dc})

			runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
				doc, err := channelDocument(ctx, api, id)
				if err != nil {
					return err
				}
				if doc.DCID != tc.dc {
					return fmt.Errorf("document on DC %d", doc.DCID)
				}

				_, err = getFile(ctx, api, docLocation(doc), 0, 4096)
				if err := wantRPCError(err, 303, "FILE_MIGRATE"); err != nil {
					return fmt.Errorf("home DC: %w", err)
				}
				if rpcErr, _ := tgerr.As(err); rpcErr.Argument != tc.dc {
					return fmt.Errorf("migrate to %d, want %d", rpcErr.Argument, tc.dc)
				}

				other, err := memOnDC(ctx, srv, api, tc.dc)
				if err != nil {
					return err
				}
				b, err := getFile(ctx, other, docLocation(doc), 0, mib)
				if err != nil {
					return fmt.Errorf("DC %d: %w", tc.dc, err)
				}
				if !bytes.Equal(b, contentAt(content, 0, mib)) {
					return fmt.Errorf("DC %d: %d wrong bytes", tc.dc, len(b))
				}
				return nil
			})
		})
	}
}

func TestFileReferenceExpiry(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	content := Pattern(9, 10_000)
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "f.bin", Content: content})
	photo := srv.AddMessage("pic", &Media{Kind: KindPhoto, MIMEType: "image/jpeg", Content: Pattern(10, 5000)})

	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		ch, err := inputChannel(ctx, api, DefaultChannelID)
		if err != nil {
			return err
		}
		old, err := documentOf(ctx, api, ch, id)
		if err != nil {
			return err
		}
		oldPhoto, err := photoOf(ctx, api, ch, photo)
		if err != nil {
			return err
		}
		if _, err := getFile(ctx, api, docLocation(old), 0, 4096); err != nil {
			return fmt.Errorf("before expiry: %w", err)
		}

		srv.ExpireFileReferences()
		_, err = getFile(ctx, api, docLocation(old), 0, 4096)
		if err := wantRPCError(err, 400, "FILE_REFERENCE_EXPIRED"); err != nil {
			return fmt.Errorf("after expiry: %w", err)
		}
		_, err = getFile(ctx, api, photoLocation(oldPhoto, "y"), 0, 4096)
		if err := wantRPCError(err, 400, "FILE_REFERENCE_EXPIRED"); err != nil {
			return fmt.Errorf("photo after expiry: %w", err)
		}

		fresh, err := documentOf(ctx, api, ch, id)
		if err != nil {
			return err
		}
		if bytes.Equal(fresh.FileReference, old.FileReference) || fresh.ID != old.ID || fresh.AccessHash != old.AccessHash {
			return fmt.Errorf("re-read document: reference unchanged or identity changed")
		}
		b, err := getFile(ctx, api, docLocation(fresh), 0, 16<<10)
		if err != nil {
			return fmt.Errorf("fresh reference: %w", err)
		}
		if !bytes.Equal(b, contentAt(content, 0, 16<<10)) {
			return fmt.Errorf("fresh reference: wrong bytes")
		}

		// A deleted message takes its file with it.
		srv.DeleteMessage(id)
		_, err = getFile(ctx, api, docLocation(fresh), 0, 4096)
		if err := wantRPCError(err, 400, "FILE_REFERENCE_EXPIRED"); err != nil {
			return fmt.Errorf("after delete: %w", err)
		}
		m, err := getMessage(ctx, api, ch, id)
		if err != nil {
			return err
		}
		if _, ok := m.(*tg.MessageEmpty); !ok {
			return fmt.Errorf("deleted message is %T", m)
		}
		return nil
	})
}
