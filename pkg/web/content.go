package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/filetolink/filetolink/pkg/stream"
)

var (
	errNoBody       = errors.New("web: body not allowed for this request")
	errClosed       = errors.New("web: content closed")
	errNegativeSeek = errors.New("web: seek to a negative position")
)

// content is the io.ReadSeeker http.ServeContent serves a File from.
//
// It knows the size without asking Telegram. Seeking only moves the
// position; the first Read after it opens Files.Open(ctx, f, pos, last),
// where last is the end of the requested range that holds pos (so nothing
// past it is fetched), else the end of the file. A Seek elsewhere or Close
// closes the open body. Close may be called while a Read blocks in another
// goroutine (ServeContent's multipart writer): it cancels the Read first.
type content struct {
	ctx    context.Context
	cancel context.CancelFunc
	files  Files // nil: reading is not allowed (HEAD)
	file   *stream.File
	ranges []httpRange // the ranges ServeContent will read

	mu       sync.Mutex
	pos      int64
	body     io.ReadCloser
	bodyPos  int64 // offset of the next byte body yields
	bodyLast int64
	read     int64 // bytes delivered in all
	err      error // the first failure of Open or of a body
	closed   bool
}

// newContent returns the content of f for ranges; files nil forbids reads.
func newContent(ctx context.Context, files Files, f *stream.File, ranges []httpRange) *content {
	ctx, cancel := context.WithCancel(ctx)
	return &content{ctx: ctx, cancel: cancel, files: files, file: f, ranges: ranges}
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
	if c.files == nil {
		return errNoBody
	}
	last := c.lastFor(c.pos)
	body, err := c.files.Open(c.ctx, c.file, c.pos, last)
	if err != nil {
		err = fmt.Errorf("open bytes %d-%d: %w", c.pos, last, err)
		c.fail(err)
		return err
	}
	c.body, c.bodyPos, c.bodyLast = body, c.pos, last
	return nil
}

// lastFor is the last byte to fetch when reading from pos: the end of the
// first requested range starting at pos (ServeContent seeks to each range's
// start), else of the first one holding it, else the end of the file.
func (c *content) lastFor(pos int64) int64 {
	for _, ra := range c.ranges {
		if ra.first == pos {
			return ra.last
		}
	}
	for _, ra := range c.ranges {
		if ra.first <= pos && pos <= ra.last {
			return ra.last
		}
	}
	return c.file.Size - 1
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

// whole tells c that ServeContent ignored the ranges (a stale If-Range,
// say) and sends the whole file.
func (c *content) whole() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ranges = nil
}

// forbid makes every later Open fail: the response was refused.
func (c *content) forbid() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files = nil
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
