package stream

import (
	"fmt"
	"time"

	"github.com/gotd/td/tg"
)

// fileFromMessage describes the downloadable media of a message, or returns
// ErrNoMedia / ErrUnsupportedMedia.
func fileFromMessage(msg *tg.Message) (*File, error) {
	f := File{
		MessageID: msg.ID,
		Caption:   msg.Message,
		Date:      time.Unix(int64(msg.Date), 0).UTC(),
	}
	switch m := msg.Media.(type) {
	case *tg.MessageMediaDocument:
		doc, ok := m.Document.(*tg.Document)
		if !ok {
			return nil, ErrNoMedia
		}
		return fileFromDocument(f, doc), nil
	case *tg.MessageMediaPhoto:
		photo, ok := m.Photo.(*tg.Photo)
		if !ok {
			return nil, ErrNoMedia
		}
		return fileFromPhoto(f, photo)
	case *tg.MessageMediaPaidMedia, *tg.MessageMediaStory:
		f.Kind = KindUnsupported
		return NewFile(f, nil), nil
	default:
		return nil, ErrNoMedia
	}
}

func fileFromDocument(f File, doc *tg.Document) *File {
	f.Kind = KindDocument
	f.Size = doc.Size
	f.MIMEType = doc.MimeType
	f.DC = doc.DCID
	f.Version = fmt.Sprintf("d%x-%x", uint64(doc.ID), doc.Size)
	for _, attr := range doc.Attributes {
		switch a := attr.(type) {
		case *tg.DocumentAttributeFilename:
			f.Name = a.FileName
		case *tg.DocumentAttributeVideo:
			f.Kind = KindVideo
			if a.RoundMessage {
				f.Kind = KindVideoNote
			}
			f.Width, f.Height = a.W, a.H
			f.Duration = time.Duration(a.Duration * float64(time.Second))
		case *tg.DocumentAttributeAudio:
			f.Kind = KindAudio
			if a.Voice {
				f.Kind = KindVoice
			}
			f.Duration = time.Duration(a.Duration) * time.Second
		case *tg.DocumentAttributeSticker:
			f.Kind = KindSticker
		case *tg.DocumentAttributeImageSize:
			f.Width, f.Height = a.W, a.H
		}
	}
	for _, attr := range doc.Attributes {
		if _, ok := attr.(*tg.DocumentAttributeAnimated); ok && f.Kind != KindSticker {
			f.Kind = KindAnimation
		}
	}
	f.thumbType, f.thumbSize = thumbOf(doc.Thumbs, 0)
	return NewFile(f, &tg.InputDocumentFileLocation{
		ID:            doc.ID,
		AccessHash:    doc.AccessHash,
		FileReference: doc.FileReference,
	})
}

// maxThumbSide is the largest side of a size taken as a thumbnail.
const maxThumbSide = 800

// thumbOf picks the largest plain JPEG size (PhotoSize, or a progressive
// one's full length) of sizes with sides up to maxThumbSide and a length
// below under (0: any). Stripped, cached and path sizes are not files of
// their own.
func thumbOf(sizes []tg.PhotoSizeClass, under int64) (typ string, size int64) {
	var bestArea int
	for _, s := range sizes {
		var t string
		var w, h, n int
		switch s := s.(type) {
		case *tg.PhotoSize:
			t, w, h, n = s.Type, s.W, s.H, s.Size
		case *tg.PhotoSizeProgressive:
			if len(s.Sizes) == 0 {
				continue
			}
			t, w, h, n = s.Type, s.W, s.H, s.Sizes[len(s.Sizes)-1]
		default:
			continue
		}
		if n <= 0 || w > maxThumbSide || h > maxThumbSide || under > 0 && int64(n) >= under {
			continue
		}
		if w*h > bestArea || typ == "" {
			typ, size, bestArea = t, int64(n), w*h
		}
	}
	return typ, size
}

// Thumbnail is f's Telegram thumbnail as a File of its own, a JPEG that
// Open reads like any file; ok is false when Telegram keeps none. A
// photo's is its small size.
func (f *File) Thumbnail() (*File, bool) {
	if f.thumbType == "" || f.thumbSize <= 0 {
		return nil, false
	}
	var loc tg.InputFileLocationClass
	switch l := f.location.(type) {
	case *tg.InputDocumentFileLocation:
		c := *l
		c.ThumbSize = f.thumbType
		loc = &c
	case *tg.InputPhotoFileLocation:
		c := *l
		c.ThumbSize = f.thumbType
		loc = &c
	default:
		return nil, false
	}
	t := *f
	t.Name, t.Kind, t.MIMEType = "", KindPhoto, "image/jpeg"
	t.Size, t.Width, t.Height, t.Duration = f.thumbSize, 0, 0, 0
	t.Version = f.Version + "-t" + f.thumbType
	t.thumbType, t.thumbSize = "", 0
	t.location = loc
	return &t, true
}

// fileFromPhoto picks the largest size: photoSize, or the last (largest) of
// a photoSizeProgressive's sizes. Stripped, cached and path sizes are
// thumbnails, never the photo.
func fileFromPhoto(f File, photo *tg.Photo) (*File, error) {
	var best string
	var bestArea, bestSize int64
	for _, s := range photo.Sizes {
		var typ string
		var w, h int
		var size int64
		switch s := s.(type) {
		case *tg.PhotoSize:
			typ, w, h, size = s.Type, s.W, s.H, int64(s.Size)
		case *tg.PhotoSizeProgressive:
			if len(s.Sizes) == 0 {
				continue
			}
			typ, w, h, size = s.Type, s.W, s.H, int64(s.Sizes[len(s.Sizes)-1])
		default:
			continue
		}
		if area := int64(w) * int64(h); area > bestArea || (area == bestArea && size > bestSize) {
			best, bestArea, bestSize = typ, area, size
			f.Width, f.Height = w, h
		}
	}
	if best == "" {
		return nil, ErrNoMedia
	}
	f.Kind = KindPhoto
	f.Size = bestSize
	f.thumbType, f.thumbSize = thumbOf(photo.Sizes, bestSize)
	f.MIMEType = "image/jpeg"
	f.DC = photo.DCID
	f.Version = fmt.Sprintf("p%x-%s-%x", uint64(photo.ID), best, bestSize)
	return NewFile(f, &tg.InputPhotoFileLocation{
		ID:            photo.ID,
		AccessHash:    photo.AccessHash,
		FileReference: photo.FileReference,
		ThumbSize:     best,
	}), nil
}
