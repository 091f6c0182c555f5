package web

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"sync"

	"github.com/filetolink/filetolink/pkg/stream"
)

// maxThumbBytes bounds a thumbnail read into memory (Telegram's are tens
// of KiB).
const maxThumbBytes = 1 << 20

// serveThumb answers /thumb/{id}?code=C (or a signed link's query) with
// the file's Telegram thumbnail, after the same checks as /dl; when
// Telegram keeps none or cannot give it, a neutral image of the file's
// kind, so that a preview never shows an error.
func (s *server) serveThumb(w http.ResponseWriter, r *http.Request) *httpError {
	setCORS(w.Header())
	id, g, herr := s.checkLink(r)
	if herr != nil {
		return herr
	}
	f, herr := s.resolve(r, id, g)
	if herr != nil {
		return herr
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("Referrer-Policy", "no-referrer")
	if t, ok := f.Thumbnail(); ok && t.Size <= maxThumbBytes {
		body, err := s.readThumb(r, t)
		if err == nil {
			h.Set("Content-Type", "image/jpeg")
			h.Set("Cache-Control", s.fileCacheControl(g))
			if etag := etagFor(t.Version); etag != "" {
				h.Set("ETag", etag)
			}
			http.ServeContent(w, r, "", t.Date, bytes.NewReader(body))
			return nil
		}
		infoFrom(r.Context()).err = err
		h.Set("Cache-Control", "no-store") // the real one may come next time
	} else {
		h.Set("Cache-Control", s.fileCacheControl(g))
	}
	h.Set("Content-Type", "image/png")
	http.ServeContent(w, r, "", f.Date, bytes.NewReader(kindImage(mediaFor(f))))
	return nil
}

// readThumb reads all of thumbnail t (HEAD reads nothing).
func (s *server) readThumb(r *http.Request, t *stream.File) ([]byte, error) {
	if r.Method == http.MethodHead {
		return make([]byte, t.Size), nil
	}
	rc, err := s.files.Open(r.Context(), t, 0, t.Size-1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxThumbBytes))
}

// kindColors are the neutral images' colours by player media ("" for any
// other file).
var kindColors = map[string]color.RGBA{
	"video": {0x2d, 0x5b, 0x8a, 0xff},
	"audio": {0x6a, 0x3d, 0x8f, 0xff},
	"image": {0x2f, 0x7a, 0x4f, 0xff},
	"":      {0x55, 0x5d, 0x66, 0xff},
}

var (
	kindImagesOnce sync.Once
	kindImages     map[string][]byte
)

// kindImage is the neutral preview of a file of player media kind: a
// 1200×630 PNG (the size link previews ask for) of the kind's colour with
// a lighter card, drawn once.
func kindImage(kind string) []byte {
	kindImagesOnce.Do(func() {
		kindImages = map[string][]byte{}
		for k, c := range kindColors {
			img := image.NewPaletted(image.Rect(0, 0, 1200, 630), color.Palette{c, color.RGBA{0xff, 0xff, 0xff, 0x40}, blend(c)})
			for y := 215; y < 415; y++ {
				for x := 500; x < 700; x++ {
					img.SetColorIndex(x, y, 2)
				}
			}
			var buf bytes.Buffer
			_ = png.Encode(&buf, img) // into memory: never fails
			kindImages[k] = buf.Bytes()
		}
	})
	if b, ok := kindImages[kind]; ok {
		return b
	}
	return kindImages[""]
}

// blend is c lightened halfway to white.
func blend(c color.RGBA) color.RGBA {
	return color.RGBA{c.R/2 + 0x80, c.G/2 + 0x80, c.B/2 + 0x80, 0xff}
}
