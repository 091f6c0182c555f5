package stream

import (
	"errors"
	"testing"

	"github.com/gotd/td/tg"
)

func TestFileFromMessage(t *testing.T) {
	doc := &tg.Document{ID: 7, AccessHash: 8, Size: 100, DCID: 4, MimeType: "",
		Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeFilename{FileName: "Notes.PDF"}}}
	photo := &tg.Photo{ID: 9, DCID: 2, Sizes: []tg.PhotoSizeClass{
		&tg.PhotoStrippedSize{Type: "i"},
		&tg.PhotoSize{Type: "m", W: 320, H: 240, Size: 1000},
		&tg.PhotoSizeProgressive{Type: "y", W: 1280, H: 960, Sizes: []int{100, 5000, 9000}},
	}}
	tests := []struct {
		name     string
		media    tg.MessageMediaClass
		wantErr  error
		kind     Kind
		fileName string
		mimeType string
		size     int64
		dc       int
	}{
		{"document, MIME from the name", &tg.MessageMediaDocument{Document: doc}, nil, KindDocument, "Notes.PDF", "application/pdf", 100, 4},
		{"progressive photo: last size", &tg.MessageMediaPhoto{Photo: photo}, nil, KindPhoto, "photo_5.jpg", "image/jpeg", 9000, 2},
		{"empty document", &tg.MessageMediaDocument{}, ErrNoMedia, "", "", "", 0, 0},
		{"empty photo", &tg.MessageMediaPhoto{Photo: &tg.PhotoEmpty{}}, ErrNoMedia, "", "", "", 0, 0},
		{"photo with thumbnails only", &tg.MessageMediaPhoto{Photo: &tg.Photo{Sizes: []tg.PhotoSizeClass{&tg.PhotoStrippedSize{Type: "i"}}}}, ErrNoMedia, "", "", "", 0, 0},
		{"geo point", &tg.MessageMediaGeo{Geo: &tg.GeoPointEmpty{}}, ErrNoMedia, "", "", "", 0, 0},
		{"text only", nil, ErrNoMedia, "", "", "", 0, 0},
		{"paid media", &tg.MessageMediaPaidMedia{}, nil, KindUnsupported, "", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fileFromMessage(&tg.Message{ID: 5, Message: "code", Media: tt.media, PeerID: &tg.PeerChannel{}})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if f.Kind != tt.kind || f.Name != tt.fileName || f.MIMEType != tt.mimeType || f.Size != tt.size || f.DC != tt.dc || f.Caption != "code" {
				t.Errorf("got %+v", f)
			}
			if tt.kind == KindPhoto {
				loc, ok := f.Location().(*tg.InputPhotoFileLocation)
				if !ok || loc.ThumbSize != "y" {
					t.Errorf("location %#v, want the progressive size y", f.Location())
				}
			}
		})
	}
}
