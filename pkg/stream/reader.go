package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// reader delivers the parts of one range in order while a window of the next
// ones is fetched in parallel. It owns one scheduler goroutine and one
// goroutine per part in flight; Close stops and waits for all of them.
type reader struct {
	s      *Service
	ctx    context.Context
	cancel context.CancelFunc
	parts  []part
	// results[i] receives part i's bytes (or error) exactly once.
	results []chan partResult
	slots   chan struct{} // window: one token per part in flight or unread
	// owned[i]: part i's memory is taken from the budget and not yet handed
	// to Read. Written before part i's fetch starts; read by Read after it
	// received the part, and by Close after every goroutine stopped.
	owned []bool
	wg    sync.WaitGroup

	next    int    // the part Read is on
	buf     []byte // what is left of part next-1
	reading int64  // budget held by the part being read
	err     error
	closed  bool
	// held is all the budget this stream holds (in flight, unread, being read).
	held *atomic.Int64

	loc *location
}

type partResult struct {
	data []byte
	err  error
}

// location is the file's current place: its DC and its file reference can
// change while a stream runs (FILE_MIGRATE, FILE_REFERENCE_EXPIRED).
type location struct {
	mu        sync.Mutex
	file      *File
	dc        int
	refreshed bool
}

func (s *Service) newReader(ctx context.Context, f *File, first, last int64) (*reader, error) {
	parts := planParts(first, last)
	// The first part's memory is taken before anything starts: when the
	// budget is spent a new stream waits briefly, then fails busy.
	held := new(atomic.Int64)
	s.budget.register()
	wait, cancelWait := context.WithTimeout(ctx, s.opts.BusyWait)
	err := s.budget.acquire(wait, parts[0].Limit, held)
	cancelWait()
	if err != nil {
		s.budget.unregister()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %d bytes of prefetch buffers in use", ErrBusy, s.budget.inUse())
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &reader{
		s:       s,
		ctx:     rctx,
		cancel:  cancel,
		parts:   parts,
		results: make([]chan partResult, len(parts)),
		owned:   make([]bool, len(parts)),
		slots:   make(chan struct{}, s.opts.Window),
		loc:     &location{file: f, dc: f.DC},
		held:    held,
	}
	for i := range r.results {
		r.results[i] = make(chan partResult, 1)
	}
	r.owned[0] = true
	r.wg.Add(1)
	go r.schedule()
	return r, nil
}

// schedule starts part fetches in order, at most Window unread at a time,
// each after taking its memory from the budget.
func (r *reader) schedule() {
	defer r.wg.Done()
	for i, p := range r.parts {
		select {
		case r.slots <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		if i > 0 { // part 0's budget was taken by newReader
			if err := r.s.budget.acquire(r.ctx, p.Limit, r.held); err != nil {
				<-r.slots
				return
			}
			r.owned[i] = true
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			data, err := r.fetch(p)
			r.results[i] <- partResult{data: data, err: err}
		}()
	}
}

func (r *reader) Read(b []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for len(r.buf) == 0 {
		r.releaseHeld()
		if r.next == len(r.parts) {
			r.err = io.EOF
			return 0, io.EOF
		}
		select {
		case res := <-r.results[r.next]:
			r.owned[r.next] = false
			r.reading = r.parts[r.next].Limit
			if res.err != nil {
				r.releaseHeld()
				r.err = res.err
				return 0, res.err
			}
			r.buf = res.data
			r.next++
		case <-r.ctx.Done():
			r.err = r.ctx.Err()
			return 0, r.err
		}
	}
	n := copy(b, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// releaseHeld gives back the slot and memory of the part just read.
func (r *reader) releaseHeld() {
	if r.reading == 0 {
		return
	}
	r.s.budget.release(r.reading, r.held)
	r.reading = 0
	<-r.slots
}

// Close stops every fetch and waits for them; memory of parts fetched but
// never read goes back to the budget. The wait ends at the request's
// deadline (ctx's) at the latest: gotd returns a cancelled call only once
// the server confirmed its drop, which on a connection that died silently
// takes gotd's drop timeout (15 s), past the deadline a serverless
// invocation must answer by. Fetches still running then are cancelled
// already and end within that timeout; the goroutine waiting for them gives
// their memory back when they do.
func (r *reader) Close() error {
	r.cancel()
	r.releaseHeld()
	if !r.closed {
		r.closed = true
		if done := r.waitFetches(); done != nil {
			go func() {
				<-done
				r.releaseOwned()
			}()
		} else {
			r.releaseOwned()
		}
	}
	if r.err == nil {
		r.err = errors.New("stream: read after close")
	}
	return nil
}

// waitFetches waits for the scheduler and every fetch to return, until
// ctx's deadline. It returns nil when they did, else a channel closed
// when they do.
func (r *reader) waitFetches() <-chan struct{} {
	deadline, ok := r.ctx.Deadline()
	if !ok {
		r.wg.Wait()
		return nil
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return done
	}
}

// releaseOwned gives back the memory of parts fetched (or being fetched)
// and never read, once no goroutine of the reader runs.
func (r *reader) releaseOwned() {
	for i, owned := range r.owned {
		if owned {
			r.s.budget.release(r.parts[i].Limit, r.held)
			r.owned[i] = false
		}
	}
	r.s.budget.unregister()
}

// fetch gets one part, following FILE_MIGRATE to the right DC, refreshing
// an expired file reference once, and retrying a failed or timed-out call a
// bounded number of times. It checks every answer's length.
func (r *reader) fetch(p part) ([]byte, error) {
	want := p.Skip + p.Take // bytes of the answer we need
	var got []byte
	offset, limit := p.Offset, p.Limit
	failures := 0
	for int64(len(got)) < want {
		f, dc := r.loc.current()
		api, err := r.s.tg.DC(r.ctx, dc)
		if err == nil {
			var res tg.UploadFileClass
			res, err = api.UploadGetFile(r.ctx, &tg.UploadGetFileRequest{
				Precise:  true,
				Location: f.location,
				Offset:   offset,
				Limit:    int(limit),
			})
			if err == nil {
				file, ok := res.(*tg.UploadFile)
				if !ok {
					return nil, fmt.Errorf("%w: unexpected %T", ErrUnavailable, res)
				}
				n := int64(len(file.Bytes))
				switch {
				case n > limit:
					return nil, fmt.Errorf("%w: asked %d bytes at %d, got %d", ErrShortRead, limit, offset, n)
				case n == 0 || (n < limit && n%partAlign != 0 && int64(len(got))+n < want):
					// Empty, or short in a way we cannot continue from:
					// the file is shorter than Telegram said.
					return nil, fmt.Errorf("%w: %d bytes at offset %d", ErrShortRead, n, offset)
				}
				if got == nil {
					got = file.Bytes // the usual case: one answer, no copy
				} else {
					got = append(got, file.Bytes...)
				}
				offset += n
				limit -= n
				continue
			}
		}
		if r.ctx.Err() != nil {
			return nil, r.ctx.Err()
		}
		if rpc, ok := tgerr.As(err); ok && rpc.IsType("FILE_MIGRATE") && rpc.Argument > 0 {
			r.loc.migrate(rpc.Argument)
			continue
		}
		if tgerr.Is(err, "FILE_REFERENCE_EXPIRED", "FILE_REFERENCE_INVALID") {
			if rerr := r.loc.refresh(r.ctx, r.s.resolver, f); rerr != nil {
				return nil, rerr
			}
			continue
		}
		if _, ok := tgerr.AsFloodWait(err); ok {
			return nil, classify(err) // longer than the budget the client waits out
		}
		if tgerr.Is(err, "OFFSET_INVALID", "LIMIT_INVALID", "FILE_ID_INVALID", "LOCATION_INVALID") {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		failures++
		if failures > r.s.opts.PartRetries {
			return nil, classify(err)
		}
		if !sleep(r.ctx, time.Duration(failures)*100*time.Millisecond) {
			return nil, r.ctx.Err()
		}
	}
	if int64(len(got)) > want {
		got = got[:want]
	}
	return got[p.Skip:want], nil
}

func (l *location) current() (*File, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file, l.dc
}

func (l *location) migrate(dc int) {
	l.mu.Lock()
	l.dc = dc
	l.mu.Unlock()
}

// refresh re-reads the message for a fresh file reference, once per stream;
// parts that hit the expiry together share one refresh.
func (l *location) refresh(ctx context.Context, res *resolver, stale *File) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != stale {
		return nil // another part refreshed it already
	}
	if l.refreshed {
		return fmt.Errorf("%w: file reference expired again", ErrUnavailable)
	}
	res.forget(stale.MessageID)
	f, err := res.resolve(ctx, stale.MessageID)
	if err != nil {
		return err
	}
	if f.Version != stale.Version {
		return fmt.Errorf("%w: message %d now holds another file", ErrMessageNotFound, stale.MessageID)
	}
	l.file = f
	l.refreshed = true
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
