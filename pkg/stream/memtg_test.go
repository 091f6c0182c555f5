package stream

// An in-memory Telegram at the core's narrow seam (rpc, conn): no MTProto,
// no login, so the core's unit tests run in milliseconds. It keeps the
// rules the core relies on (precise getFile alignment, FILE_MIGRATE to the
// document's DC); the MTProto fake (internal/tgfake) stays for the
// integration tests.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

const memChannel = 777

type memTelegram struct {
	mu        sync.Mutex
	homeID    int
	messages  map[int]*tg.Message
	docs      map[int64]memDoc
	latency   time.Duration
	getFile   func(dc int, req *tg.UploadGetFileRequest) error // injected failure; nil: none
	calls     map[string]int
	fileBytes int64
	// startedAt[k] is how many getFile calls had started when the k-th
	// answer (from 0) was given.
	startedAt []int
	started   int
}

type memDoc struct {
	size int64
	dc   int
}

func newMemTelegram() *memTelegram {
	return &memTelegram{homeID: 2, messages: map[int]*tg.Message{}, docs: map[int64]memDoc{}, calls: map[string]int{}}
}

// newMemService is a Service over a fresh memTelegram.
func newMemService(opts Options) (*Service, *memTelegram) {
	m := newMemTelegram()
	opts.ChannelID = memChannel
	return newService(m, opts), m
}

// add posts a document of size bytes on dc (0: the home DC) with message
// id; its bytes are memRead's.
func (m *memTelegram) add(id int, size int64, dc int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if dc == 0 {
		dc = m.homeID
	}
	doc := int64(1000 + id)
	m.docs[doc] = memDoc{size: size, dc: dc}
	m.messages[id] = &tg.Message{ID: id, Message: "c", PeerID: &tg.PeerChannel{ChannelID: memChannel}, Media: &tg.MessageMediaDocument{
		Document: &tg.Document{ID: doc, AccessHash: 1, Size: size, DCID: dc, MimeType: "application/octet-stream",
			Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeFilename{FileName: "a.bin"}}},
	}}
}

// addText posts a message without media with id.
func (m *memTelegram) addText(id int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.messages[id] = &tg.Message{ID: id, Message: "t", PeerID: &tg.PeerChannel{ChannelID: memChannel}}
}

// memBlock repeats through every document; its length is no power of two,
// so a part that starts at the wrong offset has the wrong bytes.
var memBlock = func() []byte {
	b := make([]byte, 1<<20+13)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], uint64(i/8+1)*0x9e3779b97f4a7c15)
	}
	return b
}()

// memRead fills b with the bytes from off on (a copy, as cheap as a
// Telegram answer should be next to the client's work).
func memRead(b []byte, off int64) {
	for n := 0; n < len(b); {
		i := (off + int64(n)) % int64(len(memBlock))
		n += copy(b[n:], memBlock[i:])
	}
}

func (m *memTelegram) count(method string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[method]
}

func (m *memTelegram) bytesServed() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fileBytes
}

func (m *memTelegram) home(ctx context.Context) (rpc, error) { return memRPC{m, m.homeID}, nil }

func (m *memTelegram) dc(ctx context.Context, dc int) (rpc, error) { return memRPC{m, dc}, nil }
func (m *memTelegram) connected() bool                             { return true }

// memRPC is memTelegram as seen from one DC.
type memRPC struct {
	m  *memTelegram
	dc int
}

func (r memRPC) ChannelsGetChannels(ctx context.Context, ids []tg.InputChannelClass) (tg.MessagesChatsClass, error) {
	r.m.mu.Lock()
	r.m.calls["channels.getChannels"]++
	r.m.mu.Unlock()
	return &tg.MessagesChats{Chats: []tg.ChatClass{&tg.Channel{ID: memChannel, AccessHash: 5, Photo: &tg.ChatPhotoEmpty{}}}}, nil
}

func (r memRPC) ChannelsGetMessages(ctx context.Context, req *tg.ChannelsGetMessagesRequest) (tg.MessagesMessagesClass, error) {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	r.m.calls["channels.getMessages"]++
	res := &tg.MessagesChannelMessages{}
	for _, in := range req.ID {
		id := in.(*tg.InputMessageID).ID
		if msg, ok := r.m.messages[id]; ok {
			res.Messages = append(res.Messages, msg)
		} else {
			res.Messages = append(res.Messages, &tg.MessageEmpty{ID: id})
		}
	}
	return res, nil
}

func (r memRPC) UploadGetFile(ctx context.Context, req *tg.UploadGetFileRequest) (tg.UploadFileClass, error) {
	m := r.m
	m.mu.Lock()
	m.calls["upload.getFile"]++
	m.started++
	inject, latency := m.getFile, m.latency
	loc, _ := req.Location.(*tg.InputDocumentFileLocation)
	var doc memDoc
	ok := loc != nil
	if ok {
		doc, ok = m.docs[loc.ID]
	}
	m.mu.Unlock()
	switch {
	case inject != nil:
		if err := inject(r.dc, req); err != nil {
			return nil, err
		}
	case !ok:
		return nil, tgerr.New(400, "FILE_ID_INVALID")
	}
	switch {
	case !req.Precise || req.Offset%1024 != 0 || req.Offset < 0:
		return nil, tgerr.New(400, "OFFSET_INVALID")
	case req.Limit <= 0 || req.Limit%1024 != 0 || req.Limit > 1<<20 || req.Offset>>20 != (req.Offset+int64(req.Limit)-1)>>20:
		return nil, tgerr.New(400, "LIMIT_INVALID")
	case doc.dc != r.dc:
		return nil, tgerr.New(303, fmt.Sprintf("FILE_MIGRATE_%d", doc.dc))
	}
	var b []byte
	if req.Offset < doc.size {
		b = make([]byte, min(int64(req.Limit), doc.size-req.Offset))
		memRead(b, req.Offset)
	}
	m.mu.Lock()
	m.fileBytes += int64(len(b))
	m.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	m.mu.Lock()
	m.startedAt = append(m.startedAt, m.started)
	m.mu.Unlock()
	return &tg.UploadFile{Type: &tg.StorageFileUnknown{}, Bytes: b}, nil
}

// resolveMem resolves message id or fails tb.
func resolveMem(tb testing.TB, s *Service, id int) *File {
	tb.Helper()
	f, err := s.Resolve(context.Background(), id)
	if err != nil {
		tb.Fatalf("resolve %d: %v", id, err)
	}
	return f
}

// checkMemBytes fails tb unless got is bytes first.. of a document.
func checkMemBytes(tb testing.TB, got []byte, first int64) {
	tb.Helper()
	want := make([]byte, len(got))
	memRead(want, first)
	if i := firstDifference(got, want); i >= 0 {
		tb.Fatalf("byte %d differs", first+int64(i))
	}
}

func firstDifference(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}
