package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/platform"
	"github.com/filetolink/filetolink/pkg/stream"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// memFiles is an in-memory Files: files as []byte, every call recorded.
type memFiles struct {
	mu         sync.Mutex
	files      map[int]*stream.File
	data       map[int][]byte
	resolveErr map[int]error
	openErr    error
	// openHook, if set, runs at the start of Open (to block or fail).
	openHook func(ctx context.Context) error
	// failAfter > 0 makes bodies fail with io.ErrUnexpectedEOF after that
	// many bytes.
	failAfter int64
	// eofAfter > 0 makes bodies end cleanly (io.EOF) after that many bytes.
	eofAfter  int64
	connected bool
	health    stream.Health // zero: ok

	resolves int
	opens    []openCall
	// badOpens are Opens outside the file: a bug in the HTTP layer.
	badOpens []openCall
}

type openCall struct {
	id          int
	first, last int64
}

func newMemFiles() *memFiles {
	return &memFiles{files: map[int]*stream.File{}, data: map[int][]byte{}, resolveErr: map[int]error{}, connected: true}
}

// add stores a file with data of the given size made by pattern.
func (m *memFiles) add(f stream.File, size int) *stream.File {
	data := pattern(size)
	f.Size = int64(size)
	if f.Version == "" {
		f.Version = fmt.Sprintf("v%d-%d", f.MessageID, size)
	}
	if f.Date.IsZero() {
		f.Date = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	}
	file := stream.NewFile(f, nil)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[f.MessageID] = file
	m.data[f.MessageID] = data
	return file
}

var patterns sync.Map // size → []byte

// pattern is size deterministic bytes (shared: never modify them).
func pattern(size int) []byte {
	if b, ok := patterns.Load(size); ok {
		return b.([]byte)
	}
	b := make([]byte, size)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	patterns.Store(size, b)
	return b
}

func (m *memFiles) Resolve(ctx context.Context, id int) (*stream.File, error) {
	m.mu.Lock()
	m.resolves++
	err := m.resolveErr[id]
	f := m.files[id]
	m.mu.Unlock()
	if err == errBlock {
		<-ctx.Done()
		return nil, fmt.Errorf("resolve: %w", ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %d: %w", id, err)
	}
	if f == nil {
		return nil, fmt.Errorf("resolve %d: %w", id, stream.ErrMessageNotFound)
	}
	return f, nil
}

// errBlock as a resolve error makes Resolve wait for its context.
var errBlock = fmt.Errorf("block")

func (m *memFiles) Open(ctx context.Context, f *stream.File, first, last int64) (io.ReadCloser, error) {
	m.mu.Lock()
	call := openCall{f.MessageID, first, last}
	m.opens = append(m.opens, call)
	data := m.data[f.MessageID]
	hook, openErr, failAfter, eofAfter := m.openHook, m.openErr, m.failAfter, m.eofAfter
	if first < 0 || last < first || last >= int64(len(data)) {
		m.badOpens = append(m.badOpens, call)
		m.mu.Unlock()
		return nil, stream.ErrRange
	}
	m.mu.Unlock()
	if hook != nil {
		if err := hook(ctx); err != nil {
			return nil, err
		}
	}
	if openErr != nil {
		return nil, openErr
	}
	return &ctxReader{ctx: ctx, r: bytes.NewReader(data[first : last+1]), failAfter: failAfter, eofAfter: eofAfter}, nil
}

func (m *memFiles) Connected() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.connected
}

func (m *memFiles) Health(context.Context) stream.Health {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.health.Class == "" {
		return stream.Health{Class: stream.HealthOK}
	}
	return m.health
}

func (m *memFiles) openCalls() []openCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]openCall(nil), m.opens...)
}

func (m *memFiles) resolveCalls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.resolves
}

// ctxReader stops when its context ends, as Telegram reads do.
type ctxReader struct {
	ctx       context.Context
	r         io.Reader
	n         int64
	failAfter int64
	eofAfter  int64
	closed    bool
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.closed {
		return 0, fmt.Errorf("read after close")
	}
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.eofAfter > 0 {
		if c.n >= c.eofAfter {
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), c.eofAfter-c.n)]
	}
	if c.failAfter > 0 {
		if c.n >= c.failAfter {
			return 0, io.ErrUnexpectedEOF
		}
		p = p[:min(int64(len(p)), c.failAfter-c.n)]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *ctxReader) Close() error {
	c.closed = true
	return nil
}

// env is a handler over memFiles with its log captured.
type env struct {
	t     testing.TB
	files *memFiles
	h     http.Handler
	log   *tgfake.LogBuffer
}

// Codes of the standard test files.
const (
	codeSmall = "s3cr3t-Small"
	codeBig   = "s3cr3t Big;+&=x"
)

// Sizes of the standard test files.
const (
	mib       = 1 << 20
	sizeSmall = 3*mib + 5 // crosses several 1 MiB edges
	sizeBig   = 5*mib + 123
)

func newEnv(t testing.TB, o Options) *env {
	t.Helper()
	files := newMemFiles()
	files.add(stream.File{MessageID: 1, Caption: codeSmall, Name: "clip.mp4", MIMEType: "video/mp4", Kind: stream.KindVideo}, sizeSmall)
	files.add(stream.File{MessageID: 2, Caption: codeBig, Name: "big.bin", MIMEType: "application/octet-stream", Kind: stream.KindDocument}, sizeBig)
	files.add(stream.File{MessageID: 3, Caption: codeSmall, Name: "empty.txt", MIMEType: "text/plain", Kind: stream.KindDocument}, 0)
	files.add(stream.File{MessageID: 4, Caption: codeSmall, Name: "song.mp3", MIMEType: "audio/mpeg", Kind: stream.KindAudio}, 1000)
	files.add(stream.File{MessageID: 5, Caption: codeSmall, Name: "photo.jpg", MIMEType: "image/jpeg", Kind: stream.KindPhoto}, 2048)
	files.resolveErr[10] = stream.ErrNoMedia
	files.resolveErr[11] = &stream.FloodWaitError{Wait: 41500 * time.Millisecond}
	files.resolveErr[12] = stream.ErrUnavailable
	files.resolveErr[13] = stream.ErrChannelUnreachable
	files.resolveErr[14] = stream.ErrBusy
	files.resolveErr[15] = fmt.Errorf("some rpc: %w", io.ErrClosedPipe)
	files.resolveErr[16] = errBlock
	files.resolveErr[18] = fmt.Errorf("paid media: %w", stream.ErrUnsupportedMedia)
	unsupported := files.add(stream.File{MessageID: 17, Caption: codeSmall, Name: "odd"}, 10)
	unsupported.Size = -1
	files.add(stream.File{MessageID: 19, Caption: codeSmall, Name: "paid", Kind: stream.KindUnsupported}, 0)

	buf := &tgfake.LogBuffer{}
	if o.Files == nil {
		o.Files = files
	}
	o.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.Version == "" {
		o.Version = "test"
	}
	if o.Profile.Name == "" {
		o.Profile.Name = "server"
	}
	return &env{t: t, files: files, h: New(o), log: buf}
}

// do sends one request; headers alternate name, value.
func (e *env) do(method, target string, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "192.0.2.7:4567"
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			r.Host = headers[i+1]
			continue
		}
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// checkNoPanics fails when the log shows a recovered panic or a 500.
func (e *env) checkNoPanics() {
	e.t.Helper()
	log := e.log.String()
	if strings.Contains(log, "panic") || strings.Contains(log, "status=500") {
		e.t.Errorf("log shows a panic or a 500:\n%s", log)
	}
	if len(e.files.badOpens) > 0 {
		e.t.Errorf("Open outside the file: %v", e.files.badOpens)
	}
}

// dl is the download path of message id with code (the links' one grammar).
func dl(id int, code string) string { return links.Download("", id, links.Code(code)) }

// capped returns a platform profile with a response cap.
func capped(n int64) platform.Profile {
	return platform.Profile{Name: "vercel", MaxResponseBytes: n}
}

func stubFile(id int) stream.File {
	return stream.File{MessageID: id, Caption: "c", Name: "f.bin", MIMEType: "application/octet-stream"}
}
