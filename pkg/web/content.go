package web

// /dl serves bytes with http.ServeContent, which does the validators,
// conditional requests, 206/416 and multipart/byteranges right. What it
// cannot do is what this file adds: it assumes a cheap, seekable body
// (an os.File), it sends the status before it knows the body can be read,
// and it knows no response cap. So:
//
//   - rangePlan decides once, before ServeContent runs, what will be sent:
//     the ranges (coalesced, bounded, sliced to the cap) or the whole file,
//     and whether the answer is refused for the cap. Both the body and the
//     gate consult it; sendFile reads the outcome from it.
//   - content is the lazy body: seeks are free, and a read opens Telegram
//     bytes only up to the end of the planned range that holds it.
//   - gate holds the status until the first body byte (so that a failure
//     to open the bytes is still a clean error status), tells the plan when
//     ServeContent chose the whole file, vetoes an answer over the cap, and
//     lets no byte past the cap out.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/filetolink/filetolink/pkg/stream"
)

// rangePlan is what /dl sends of one file.
type rangePlan struct {
	size     int64
	maxBytes int64       // the response cap; 0: none
	ranges   []httpRange // what ServeContent is asked for; nil: the whole file

	mu      sync.Mutex // the gate and the body (ServeContent's multipart goroutine) both consult it
	whole   bool       // ServeContent answers 200 with the whole file: ranges do not apply
	refused bool       // the answer is over the cap: nothing is fetched or sent
}

// maxHonouredRanges is how many ranges (after coalescing) one request is
// served; with more the Range header is ignored and the answer is the
// whole file, which costs Telegram only what the client reads. Each range
// costs at least one getFile call, so this bounds a request's calls by the
// bytes it sends plus a small constant.
const maxHonouredRanges = 8

// planRanges plans the answer to a Range header for a file of size bytes
// under a cap of maxBytes (0: none), and returns the Range header to give
// ServeContent: canonical, so that both agree on the ranges ("" for none).
func planRanges(header string, size, maxBytes int64, contentType string) (*rangePlan, string) {
	p := &rangePlan{size: size, maxBytes: maxBytes}
	ranges, err := parseRange(header, size)
	switch {
	case errors.Is(err, errUnsatisfiable) && size > 0:
		return p, "bytes=" + strconv.FormatInt(size, 10) + "-" // ServeContent's 416
	case len(ranges) > 0:
		ranges = coalesceRanges(ranges)
		if len(ranges) > maxHonouredRanges {
			return p, ""
		}
		p.ranges = sliceForCap(ranges, size, maxBytes, contentType)
		return p, formatRange(p.ranges)
	default: // none, malformed, foreign unit, or an empty file: the whole file
		return p, ""
	}
}

// lastFor is the last byte to fetch when reading from pos: the end of the
// first planned range starting at pos (ServeContent seeks to each range's
// start), else of the first one holding it, else the end of the file.
func (p *rangePlan) lastFor(pos int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.whole {
		for _, ra := range p.ranges {
			if ra.first == pos {
				return ra.last
			}
		}
		for _, ra := range p.ranges {
			if ra.first <= pos && pos <= ra.last {
				return ra.last
			}
		}
	}
	return p.size - 1
}

// chooseWhole records that ServeContent ignored the ranges (a stale
// If-Range, say) and sends the whole file.
func (p *rangePlan) chooseWhole() {
	p.mu.Lock()
	p.whole = true
	p.mu.Unlock()
}

// refuse records that the answer is over the cap.
func (p *rangePlan) refuse() {
	p.mu.Lock()
	p.refused = true
	p.mu.Unlock()
}

func (p *rangePlan) isRefused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused
}

var (
	errNoBody       = errors.New("web: body not allowed for this request")
	errClosed       = errors.New("web: content closed")
	errNegativeSeek = errors.New("web: seek to a negative position")
)

// content is the io.ReadSeeker http.ServeContent serves a File from.
//
// It knows the size without asking Telegram. Seeking only moves the
// position; the first Read after it opens Files.Open(ctx, f, pos, last),
// where last is the plan's end for pos (so nothing past the range is
// fetched). A Seek elsewhere or Close closes the open body. Close may be
// called while a Read blocks in another goroutine (ServeContent's
// multipart writer): it cancels the Read first.
type content struct {
	ctx    context.Context
	cancel context.CancelFunc
	files  Files // nil: reading is not allowed (HEAD)
	file   *stream.File
	plan   *rangePlan

	mu       sync.Mutex
	pos      int64
	body     io.ReadCloser
	bodyPos  int64 // offset of the next byte body yields
	bodyLast int64
	read     int64 // bytes delivered in all
	err      error // the first failure of Open or of a body
	closed   bool
}

// newContent returns the content of f as planned; files nil forbids reads.
func newContent(ctx context.Context, files Files, f *stream.File, plan *rangePlan) *content {
	ctx, cancel := context.WithCancel(ctx)
	return &content{ctx: ctx, cancel: cancel, files: files, file: f, plan: plan}
}

// Seek implements io.Seeker.
func (c *content) Seek(offset int64, whence int) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var pos int64
	switch whence {
	case io.SeekStart:
		pos = offset
	case io.SeekCurrent:
		pos = c.pos + offset
	case io.SeekEnd:
		pos = c.file.Size + offset
	default:
		return c.pos, fmt.Errorf("web: seek whence %d", whence)
	}
	if pos < 0 {
		return c.pos, errNegativeSeek
	}
	c.pos = pos
	if c.body != nil && c.bodyPos != pos {
		c.closeBody()
	}
	return pos, nil
}

// Read implements io.Reader.
func (c *content) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errClosed
	}
	if c.pos >= c.file.Size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if c.body == nil {
		if err := c.open(); err != nil {
			return 0, err
		}
	}
	if want := c.bodyLast - c.bodyPos + 1; int64(len(p)) > want {
		p = p[:want]
	}
	n, err := c.body.Read(p)
	c.pos += int64(n)
	c.bodyPos += int64(n)
	c.read += int64(n)
	switch {
	case c.bodyPos > c.bodyLast:
		// The body gave all it owes: done with it, whatever err says.
		c.closeBody()
		return n, nil
	case err == io.EOF:
		err = fmt.Errorf("web: body ended at byte %d, before %d: %w", c.bodyPos, c.bodyLast, io.ErrUnexpectedEOF)
		fallthrough
	case err != nil:
		c.closeBody()
		c.fail(err)
		return n, err
	}
	return n, nil
}

// open opens the body at c.pos up to the end of the range holding it.
func (c *content) open() error {
	if c.files == nil || c.plan.isRefused() {
		return errNoBody
	}
	last := c.plan.lastFor(c.pos)
	body, err := c.files.Open(c.ctx, c.file, c.pos, last)
	if err != nil {
		err = fmt.Errorf("open bytes %d-%d: %w", c.pos, last, err)
		c.fail(err)
		return err
	}
	c.body, c.bodyPos, c.bodyLast = body, c.pos, last
	return nil
}

func (c *content) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func (c *content) closeBody() {
	if c.body != nil {
		_ = c.body.Close()
		c.body = nil
	}
}

// Close stops any Read in progress and closes the open body.
func (c *content) Close() error {
	c.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeBody()
	c.closed = true
	return nil
}

// result returns how many bytes were delivered and the first error of
// Open or of a body.
func (c *content) result() (delivered int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read, c.err
}

var errOverCap = errors.New("web: response over the cap")

// gate stands between ServeContent and the client (see the top of this
// file).
type gate struct {
	http.ResponseWriter
	plan *rangePlan
	head bool // a HEAD: no body byte goes out

	status    int
	committed bool
	written   int64
}

func (g *gate) WriteHeader(code int) {
	if g.committed || g.status != 0 {
		return
	}
	g.status = code
	if code == http.StatusOK {
		g.plan.chooseWhole()
	}
	if limit := g.plan.maxBytes; limit > 0 && (code == http.StatusOK || code == http.StatusPartialContent) {
		n, err := strconv.ParseInt(g.Header().Get("Content-Length"), 10, 64)
		if err != nil || n > limit {
			g.plan.refuse()
		}
	}
}

func (g *gate) Write(p []byte) (int, error) {
	if g.plan.isRefused() {
		return 0, errOverCap
	}
	if g.status == http.StatusRequestedRangeNotSatisfiable && !g.committed {
		return len(p), nil // ServeContent's text; sendFile answers with its own
	}
	if !g.committed {
		g.commit()
	}
	if g.head {
		return len(p), nil // net/http drops it too; other adapters may not
	}
	if limit := g.plan.maxBytes; limit > 0 && g.written+int64(len(p)) > limit {
		return 0, errOverCap
	}
	n, err := g.ResponseWriter.Write(p)
	g.written += int64(n)
	return n, err
}

// commit sends the held status; error statuses are never cached and carry
// no file headers.
func (g *gate) commit() {
	g.committed = true
	if g.status == 0 {
		g.status = http.StatusOK
	}
	if g.status >= 400 {
		h := g.Header()
		h.Set("Cache-Control", "no-store")
		dropFileHeaders(h)
	}
	g.ResponseWriter.WriteHeader(g.status)
}

// complete reports whether the whole body announced by Content-Length went
// out (a HEAD's: none is due).
func (g *gate) complete() bool {
	if g.head {
		return g.committed
	}
	n, err := strconv.ParseInt(g.Header().Get("Content-Length"), 10, 64)
	return err == nil && g.written == n
}

func (g *gate) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// fileHeaders describe a file's bytes; an answer that is not those bytes
// (an error, a redirect) must not carry them.
var fileHeaders = []string{"Content-Disposition", "Content-Range", "Content-Encoding", "ETag", "Last-Modified", "Accept-Ranges", "Content-Security-Policy"}

func dropFileHeaders(h http.Header) {
	for _, k := range fileHeaders {
		h.Del(k)
	}
}
