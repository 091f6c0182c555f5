package tgfake

import (
	"fmt"
	"io"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

// upload.getFile alignment (core.telegram.org/api/files).
const (
	partWindow     = 1 << 20 // no request crosses a multiple of 1 MiB
	preciseAlign   = 1 << 10
	impreciseAlign = 4 << 10
)

var (
	errOffsetInvalid        = tgerr.New(400, "OFFSET_INVALID")
	errLimitInvalid         = tgerr.New(400, "LIMIT_INVALID")
	errLocationInvalid      = tgerr.New(400, "LOCATION_INVALID")
	errFileIDInvalid        = tgerr.New(400, "FILE_ID_INVALID")
	errFileReferenceExpired = tgerr.New(400, "FILE_REFERENCE_EXPIRED")
	errFileReferenceInvalid = tgerr.New(400, "FILE_REFERENCE_INVALID")
)

// checkFilePart applies Telegram's rules for the offset and limit of one
// upload.getFile call; nil means the part may be served.
func checkFilePart(offset int64, limit int, precise bool) *tgerr.Error {
	switch {
	case limit <= 0:
		return errLimitInvalid
	case offset < 0:
		return errOffsetInvalid
	}
	if precise {
		switch {
		case offset%preciseAlign != 0:
			return errOffsetInvalid
		case limit%preciseAlign != 0 || limit > partWindow:
			return errLimitInvalid
		}
	} else {
		switch {
		case offset%impreciseAlign != 0:
			return errOffsetInvalid
		case limit%impreciseAlign != 0 || partWindow%limit != 0:
			return errLimitInvalid
		}
	}
	if offset/partWindow != (offset+int64(limit)-1)/partWindow {
		return errLimitInvalid
	}
	return nil
}

func (s *Server) uploadGetFile(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.UploadGetFileRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	if err := checkFilePart(r.Offset, r.Limit, r.Precise); err != nil {
		return nil, err
	}

	var (
		id, hash int64
		ref      []byte
		thumb    string
		photo    bool
	)
	switch loc := r.Location.(type) {
	case *tg.InputDocumentFileLocation:
		id, hash, ref, thumb = loc.ID, loc.AccessHash, loc.FileReference, loc.ThumbSize
	case *tg.InputPhotoFileLocation:
		id, hash, ref, thumb, photo = loc.ID, loc.AccessHash, loc.FileReference, loc.ThumbSize, true
	default:
		return nil, errLocationInvalid
	}

	s.mu.Lock()
	reader := s.botOfLocked(req)
	f, msg := s.fileLocked(id)
	deleted := msg != nil && msg.deleted // DeleteMessage writes it under s.mu
	refGen := s.refGen
	s.mu.Unlock()

	switch {
	case f == nil || f.isPhoto() != photo || reader == nil || reader.hashFor(f.accessHash) != hash:
		return nil, errFileIDInvalid
	case f.media.DC != req.DC:
		return nil, tgerr.New(303, fmt.Sprintf("FILE_MIGRATE_%d", f.media.DC))
	case deleted:
		return nil, errFileReferenceExpired
	}
	switch checkReference(ref, id, refGen) {
	case referenceStale:
		return nil, errFileReferenceExpired
	case referenceInvalid:
		return nil, errFileReferenceInvalid
	}
	content, ok := f.content(thumb)
	if !ok {
		return nil, errLocationInvalid
	}

	var b []byte
	if size := content.Size(); r.Offset < size {
		b = make([]byte, min(int64(r.Limit), size-r.Offset))
		if n, err := content.ReadAt(b, r.Offset); n != len(b) {
			return nil, fmt.Errorf("tgfake: read content at %d: %d of %d bytes: %w", r.Offset, n, len(b), err)
		} else if err != nil && err != io.EOF {
			return nil, fmt.Errorf("tgfake: read content at %d: %w", r.Offset, err)
		}
	}
	s.mu.Lock()
	s.fileBytes += int64(len(b))
	s.mu.Unlock()
	typ := storageType(f.media.MIMEType)
	if photo {
		typ = &tg.StorageFileJpeg{}
	}
	return &tg.UploadFile{Type: typ, Mtime: int(msg.date.Unix()), Bytes: b}, nil
}

// fileLocked finds the file with document or photo id, and its message
// (deleted ones too).
func (s *Server) fileLocked(id int64) (*file, *message) {
	for _, m := range s.messages {
		if m.file != nil && m.file.id == id {
			return m.file, m
		}
	}
	return nil, nil
}
