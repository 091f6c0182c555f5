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
	return NewFile(f, &tg.InputDocumentFileLocation{
		ID:            doc.ID,
		AccessHash:    doc.AccessHash,
		FileReference: doc.FileReference,
	})
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
