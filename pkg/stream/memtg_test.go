package stream

// An in-memory Telegram at the core's narrow seam (telegramAPI, conn): no MTProto,
// no login, so the core's unit tests run in milliseconds. It keeps the
// rules the real Telegram (and internal/tgfake, which stays for the
// integration tests) applies to what the core sends: upload.getFile's
// alignment and 1 MiB bounds, access hashes, FILE_MIGRATE to the file's
// DC, file references that expire, the log channel's access hash and
// channels.getMessages' id bounds. A core that breaks one of them fails.

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

const (
	memChannel     = 777
	memChannelHash = 5
	// memMessageIDs is how many ids channels.getMessages takes at once.
	memMessageIDs = 100
)

// Method names, as memTelegram counts them.
const (
	mGetChannels = "channels.getChannels"
	mGetMessages = "channels.getMessages"
	mGetFile     = "upload.getFile"
)

type memTelegram struct {
	mu       sync.Mutex
	accounts int // what spread reports (0: one)
	homeID   int
	refGen   uint32 // file references of an older generation are expired
	messages map[int]*memMessage
	files    map[int64]*memFile
	latency  time.Duration
	getFile  func(dc int, req *tg.UploadGetFileRequest) error // injected failure; nil: none
	fail     map[string][]error                               // the next calls' answers, per method
	gates    map[string]*memGate
	calls    map[string]int
	// fileBytes counts the bytes upload.getFile answered with, when the
	// answer is made (before latency or a gate).
	fileBytes int64
	// startedAt[k] is how many getFile calls had started when the k-th
	// answer (from 0) was given.
	startedAt []int
	started   int
}

type memMessage struct {
	caption string
	date    time.Time
	media   tg.MessageMediaClass // nil: text only
	deleted bool
}

// memFile is a stored document or photo: the sizes it can be read at
// ("" for a document, the photo size types for a photo).
type memFile struct {
	msgID      int
	photo      bool
	accessHash int64
	dc         int
	sizes      map[string]int64
}

// memGate holds a method's answers: each call (of getFile: each at an
// offset from from on) waits until release, or until its ctx ends; a deaf gate ignores the ctx
// until release, as gotd does with a call cancelled on a connection that
// died silently (it returns once the drop times out).
type memGate struct {
	from      int64
	deaf      bool
	released  chan struct{}
	waiting   int // calls waiting now
	held      int // calls that waited
	cancelled int // calls that ended with their ctx while waiting
}

func newMemTelegram() *memTelegram {
	return &memTelegram{
		homeID:   2,
		messages: map[int]*memMessage{},
		files:    map[int64]*memFile{},
		fail:     map[string][]error{},
		gates:    map[string]*memGate{},
		calls:    map[string]int{},
	}
}

// newMemService is a Service over a fresh memTelegram.
func newMemService(opts Options) (*Service, *memTelegram) {
	m := newMemTelegram()
	opts.ChannelID = memChannel
	return newService(m, opts), m
}

// memDate is the date of message id: one minute per id from a fixed day.
func memDate(id int) time.Time {
	return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Minute)
}

// add posts a document of size bytes on dc (0: the home DC) with message
// id; its bytes are memRead's from the document's own start.
func (m *memTelegram) add(id int, size int64, dc int) {
	if dc == 0 {
		dc = m.homeID
	}
	doc := memDocument(id, size, "application/octet-stream", "a.bin")
	doc.DCID = dc
	m.post(id, "c", &tg.MessageMediaDocument{Document: doc})
}

// memDocID and memHash are the document (or photo) id and access hash add
// gives message id's file; tests that post their own media use them too.
func memDocID(id int) int64 { return 1000 + int64(id) }
func memHash(id int) int64  { return 7000 + int64(id) }

// memDocument is message id's document as Telegram sends it, on the home
// DC of newMemTelegram.
func memDocument(id int, size int64, mime, name string, attrs ...tg.DocumentAttributeClass) *tg.Document {
	if name != "" {
		attrs = append(attrs, &tg.DocumentAttributeFilename{FileName: name})
	}
	return &tg.Document{ID: memDocID(id), AccessHash: memHash(id), Size: size, DCID: 2, MimeType: mime, Attributes: attrs}
}

// memPhoto is message id's photo of w×h as Telegram sends it: a stripped
// and a small size, then the progressive full size of size bytes.
func memPhoto(id int, size int64, w, h int) *tg.MessageMediaPhoto {
	full := int(size)
	return &tg.MessageMediaPhoto{Photo: &tg.Photo{ID: memDocID(id), AccessHash: memHash(id), DCID: 2, Sizes: []tg.PhotoSizeClass{
		&tg.PhotoStrippedSize{Type: "i", Bytes: []byte{1, 40, 23}},
		&tg.PhotoSize{Type: "m", W: 320, H: 320 * h / w, Size: full / 16},
		&tg.PhotoSizeProgressive{Type: "y", W: w, H: h, Sizes: []int{full / 4, full / 2, full}},
	}}}
}

// addText posts a message without media with id.
func (m *memTelegram) addText(id int) { m.post(id, "t", nil) }

// post stores message id with caption and media as Telegram sends them
// (without file references: each answer carries the current ones) and
// the file it holds.
func (m *memTelegram) post(id int, caption string, media tg.MessageMediaClass) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.messages[id] = &memMessage{caption: caption, date: memDate(id), media: media}
	switch media := media.(type) {
	case *tg.MessageMediaDocument:
		if d, ok := media.Document.(*tg.Document); ok {
			m.files[d.ID] = &memFile{msgID: id, accessHash: d.AccessHash, dc: d.DCID, sizes: map[string]int64{"": d.Size}}
		}
	case *tg.MessageMediaPhoto:
		if p, ok := media.Photo.(*tg.Photo); ok {
			f := &memFile{msgID: id, photo: true, accessHash: p.AccessHash, dc: p.DCID, sizes: map[string]int64{}}
			for _, s := range p.Sizes {
				switch s := s.(type) {
				case *tg.PhotoSize:
					f.sizes[s.Type] = int64(s.Size)
				case *tg.PhotoSizeProgressive:
					f.sizes[s.Type] = int64(s.Sizes[len(s.Sizes)-1])
				}
			}
			m.files[p.ID] = f
		}
	}
}

// remove deletes message id: getMessages answers messageEmpty and its
// file's references expire.
func (m *memTelegram) remove(id int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.messages[id].deleted = true
}

// expireReferences gives every file a new file reference; the old ones
// answer FILE_REFERENCE_EXPIRED.
func (m *memTelegram) expireReferences() {
	m.mu.Lock()
	m.refGen++
	m.mu.Unlock()
}

// failNext makes the next calls of method answer errs, one each.
func (m *memTelegram) failNext(method string, errs ...error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail[method] = append(m.fail[method], errs...)
}

// hold gates method's answers from now on: calls wait (see memGate);
// getFile calls for offsets before from answer.
func (m *memTelegram) hold(method string, from int64, deaf bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gates[method] = &memGate{from: from, deaf: deaf, released: make(chan struct{})}
}

// release lets every waiting and later call of method answer.
func (m *memTelegram) release(method string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.gates[method]; g != nil {
		close(g.released)
		delete(m.gates, method)
	}
}

// gate reports a copy of method's gate: what its calls did so far.
func (m *memTelegram) gate(method string) memGate {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.gates[method]; g != nil {
		return *g
	}
	return memGate{}
}

// begin counts a call of method and returns its injected answer, if any.
func (m *memTelegram) begin(method string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[method]++
	if errs := m.fail[method]; len(errs) > 0 {
		m.fail[method] = errs[1:]
		return errs[0]
	}
	return nil
}

// pass waits at method's gate, if it is held, for a call at offset.
func (m *memTelegram) pass(ctx context.Context, method string, offset int64) error {
	m.mu.Lock()
	g := m.gates[method]
	if g == nil || offset < g.from {
		m.mu.Unlock()
		return nil
	}
	g.waiting++
	g.held++
	m.mu.Unlock()
	done := ctx.Done()
	if g.deaf {
		done = nil
	}
	var err error
	select {
	case <-g.released:
		err = ctx.Err() // a deaf call still ends as cancelled
	case <-done:
		err = ctx.Err()
	}
	m.mu.Lock()
	g.waiting--
	if err != nil {
		g.cancelled++
	}
	m.mu.Unlock()
	return err
}

// memBlock repeats through every file (from an offset of its own); its
// length is no power of two, so a part that starts at the wrong offset has
// the wrong bytes.
var memBlock = func() []byte {
	b := make([]byte, 1<<20+13)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], uint64(i/8+1)*0x9e3779b97f4a7c15)
	}
	return b
}()

// memRead fills b with the bytes from off on of the file with id and
// photo size thumb (a copy, as cheap as a Telegram answer should be next
// to the client's work).
func memRead(b []byte, id int64, thumb string, off int64) {
	off += id * 7919
	for _, c := range thumb {
		off += int64(c) * 104729
	}
	off %= int64(len(memBlock))
	for n := 0; n < len(b); {
		i := (off + int64(n)) % int64(len(memBlock))
		n += copy(b[n:], memBlock[i:])
	}
}

// memReference is file id's file reference of generation gen.
func memReference(id int64, gen uint32) []byte {
	b := binary.LittleEndian.AppendUint64([]byte{0x02}, uint64(id))
	return binary.LittleEndian.AppendUint32(b, gen)
}

// checkReference: nil if ref is file id's current reference.
func checkReference(ref []byte, id int64, gen uint32) error {
	if len(ref) != 13 || ref[0] != 0x02 || int64(binary.LittleEndian.Uint64(ref[1:])) != id {
		return tgerr.New(400, "FILE_REFERENCE_INVALID")
	}
	switch g := binary.LittleEndian.Uint32(ref[9:]); {
	case g < gen:
		return tgerr.New(400, "FILE_REFERENCE_EXPIRED")
	case g > gen:
		return tgerr.New(400, "FILE_REFERENCE_INVALID")
	}
	return nil
}

// checkPart applies Telegram's rules for one getFile call's offset and
// limit (core.telegram.org/api/files): precise requests are 1 KiB-aligned,
// imprecise ones 4 KiB-aligned with a limit dividing 1 MiB, and none
// crosses a multiple of 1 MiB.
func checkPart(offset int64, limit int, precise bool) error {
	offsetInvalid, limitInvalid := tgerr.New(400, "OFFSET_INVALID"), tgerr.New(400, "LIMIT_INVALID")
	align := int64(4 << 10)
	if precise {
		align = 1 << 10
	}
	switch {
	case limit <= 0:
		return limitInvalid
	case offset < 0 || offset%align != 0:
		return offsetInvalid
	case int64(limit)%align != 0 || limit > 1<<20 || (!precise && (1<<20)%limit != 0):
		return limitInvalid
	case offset>>20 != (offset+int64(limit)-1)>>20:
		return limitInvalid
	}
	return nil
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

func (m *memTelegram) home(ctx context.Context) (telegramAPI, error) { return memRPC{m, m.homeID}, nil }

func (m *memTelegram) dc(ctx context.Context, dc int) (telegramAPI, error) { return memRPC{m, dc}, nil }
func (m *memTelegram) connected() bool                                     { return true }

// memRPC is memTelegram as seen from one DC.
type memRPC struct {
	m  *memTelegram
	dc int
}

// checkChannel: nil if in names the log channel with its access hash (or
// 0, which a member may pass to learn it).
func checkChannel(in tg.InputChannelClass, zeroHash bool) error {
	c, ok := in.(*tg.InputChannel)
	if !ok || c.ChannelID != memChannel || (c.AccessHash != memChannelHash && !(zeroHash && c.AccessHash == 0)) {
		return tgerr.New(400, "CHANNEL_INVALID")
	}
	return nil
}

func (r memRPC) ChannelsGetChannels(ctx context.Context, ids []tg.InputChannelClass) (tg.MessagesChatsClass, error) {
	if err := r.m.begin(mGetChannels); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, tgerr.New(400, "CHANNEL_INVALID")
	}
	res := &tg.MessagesChats{}
	for _, in := range ids {
		if err := checkChannel(in, true); err != nil {
			return nil, err
		}
		res.Chats = append(res.Chats, &tg.Channel{Broadcast: true, ID: memChannel, AccessHash: memChannelHash, Photo: &tg.ChatPhotoEmpty{}})
	}
	return res, r.m.pass(ctx, mGetChannels, 0)
}

func (r memRPC) ChannelsGetMessages(ctx context.Context, req *tg.ChannelsGetMessagesRequest) (tg.MessagesMessagesClass, error) {
	m := r.m
	if err := m.begin(mGetMessages); err != nil {
		return nil, err
	}
	if err := checkChannel(req.Channel, false); err != nil {
		return nil, err
	}
	switch {
	case len(req.ID) == 0:
		return nil, tgerr.New(400, "MESSAGE_IDS_EMPTY")
	case len(req.ID) > memMessageIDs:
		return nil, tgerr.New(400, "LIMIT_INVALID")
	}
	res := &tg.MessagesChannelMessages{}
	m.mu.Lock()
	for _, in := range req.ID {
		id := 0
		if in, ok := in.(*tg.InputMessageID); ok {
			id = in.ID
		}
		msg, ok := m.messages[id]
		if !ok || msg.deleted {
			res.Messages = append(res.Messages, &tg.MessageEmpty{ID: id})
			continue
		}
		res.Messages = append(res.Messages, &tg.Message{Post: true, ID: id, Message: msg.caption, Date: int(msg.date.Unix()),
			PeerID: &tg.PeerChannel{ChannelID: memChannel}, Media: withReference(msg.media, m.refGen)})
	}
	m.mu.Unlock()
	return res, m.pass(ctx, mGetMessages, 0)
}

// withReference is media with its file's reference of generation gen.
func withReference(media tg.MessageMediaClass, gen uint32) tg.MessageMediaClass {
	switch media := media.(type) {
	case *tg.MessageMediaDocument:
		if d, ok := media.Document.(*tg.Document); ok {
			out, doc := *media, *d
			doc.FileReference, out.Document = memReference(d.ID, gen), &doc
			return &out
		}
	case *tg.MessageMediaPhoto:
		if p, ok := media.Photo.(*tg.Photo); ok {
			out, photo := *media, *p
			photo.FileReference, out.Photo = memReference(p.ID, gen), &photo
			return &out
		}
	}
	return media
}

func (r memRPC) UploadGetFile(ctx context.Context, req *tg.UploadGetFileRequest) (tg.UploadFileClass, error) {
	m := r.m
	m.mu.Lock()
	m.started++
	inject, latency := m.getFile, m.latency
	m.mu.Unlock()
	if err := m.begin(mGetFile); err != nil {
		return nil, err
	}
	if inject != nil {
		if err := inject(r.dc, req); err != nil {
			return nil, err
		}
	}
	b, err := m.answer(r.dc, req)
	if err != nil {
		return nil, err
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	if err := m.pass(ctx, mGetFile, req.Offset); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.startedAt = append(m.startedAt, m.started)
	m.mu.Unlock()
	return &tg.UploadFile{Type: &tg.StorageFileUnknown{}, Bytes: b}, nil
}

// memLocation is what a document's and a photo's file locations have in
// common: the two the core asks for.
type memLocation interface {
	GetID() int64
	GetAccessHash() int64
	GetFileReference() []byte
	GetThumbSize() string
}

// answer is the bytes Telegram answers req with on DC dc, or its error, in
// the order Telegram checks.
func (m *memTelegram) answer(dc int, req *tg.UploadGetFileRequest) ([]byte, error) {
	if err := checkPart(req.Offset, req.Limit, req.Precise); err != nil {
		return nil, err
	}
	loc, ok := req.Location.(memLocation)
	if !ok {
		return nil, tgerr.New(400, "LOCATION_INVALID")
	}
	_, photo := loc.(*tg.InputPhotoFileLocation)
	id, thumb := loc.GetID(), loc.GetThumbSize()
	m.mu.Lock()
	f := m.files[id]
	var deleted bool
	if f != nil {
		deleted = m.messages[f.msgID].deleted
	}
	gen := m.refGen
	m.mu.Unlock()
	switch {
	case f == nil || f.photo != photo || f.accessHash != loc.GetAccessHash():
		return nil, tgerr.New(400, "FILE_ID_INVALID")
	case f.dc != dc:
		return nil, tgerr.New(303, fmt.Sprintf("FILE_MIGRATE_%d", f.dc))
	case deleted:
		return nil, tgerr.New(400, "FILE_REFERENCE_EXPIRED")
	}
	if err := checkReference(loc.GetFileReference(), id, gen); err != nil {
		return nil, err
	}
	size, ok := f.sizes[thumb]
	if !ok {
		return nil, tgerr.New(400, "LOCATION_INVALID")
	}
	var b []byte
	if req.Offset < size {
		b = make([]byte, min(int64(req.Limit), size-req.Offset))
		memRead(b, id, thumb, req.Offset)
	}
	m.mu.Lock()
	m.fileBytes += int64(len(b))
	m.mu.Unlock()
	return b, nil
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

// memBytes is bytes first..last of f as memTelegram stores them.
func memBytes(f *File, first, last int64) []byte {
	loc := f.Location().(memLocation)
	b := make([]byte, last-first+1)
	memRead(b, loc.GetID(), loc.GetThumbSize(), first)
	return b
}

// checkMemBytes fails tb unless got is bytes first.. of f.
func checkMemBytes(tb testing.TB, f *File, got []byte, first int64) {
	tb.Helper()
	if len(got) == 0 {
		return
	}
	want := memBytes(f, first, first+int64(len(got))-1)
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

func (m *memTelegram) spread() int { return max(1, m.accounts) }
