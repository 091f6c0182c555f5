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

	"github.com/filetolink/filetolink/pkg/tgerrclass"
)

// reader delivers the parts of one range in order while the next ones are
// fetched in parallel.
//
// How far it fetches ahead is earned, as in TCP's slow start, and counted
// in request bytes: a new stream requests its first window (initialWindow,
// two parts' worth, as one call per idle account: spreadPlan), and each
// part the client drains faster than Telegram took to deliver it quadruples
// the limit (2, 8, 32 MiB), up to maxLimit bytes requested beyond those
// drained, at most Window calls in flight (16 by default: two per download
// connection, wider than a raw loop of one call per connection, which
// makes up for the round trips spent on two and eight). Parts of the first
// window drained do not count until the whole window is: they may only
// have gone into the kernel's socket buffers. Growth stays fourfold, not
// to the whole window at once: a client whose kernel took exactly the
// first window before its hang-up showed costs it and 8 MiB more, not 16
// more; the price is that with 8 download connections the second round
// trip gives each one part instead of two (about 1 % of a 64 MiB read over
// 4 bots: BENCHMARKS.md, "Speed II"). A client that hangs up after the
// headers therefore costs about the first window, and one that reads
// slower than Telegram delivers keeps a short lead. A client that stops
// reading (no Read for StallTimeout) has its prefetched parts dropped and
// their budget returned; reading again starts over.
//
// The reader owns a watcher goroutine (stalls), and per run one scheduler
// goroutine and one goroutine per part in flight (a run ends when a stall
// is reclaimed); Close stops and waits for all of them.
type reader struct {
	s      *Service
	ctx    context.Context // ends with Close or the caller's ctx
	cancel context.CancelFunc
	parts  []part
	head   int // how many of parts the first window holds (headParts)
	ring   int // results a run keeps: more than the parts within maxLimit
	loc    *location
	// held is all the budget this stream holds (in flight, unread, being read).
	held *atomic.Int64
	wg   sync.WaitGroup // the watcher and every goroutine of every run

	// Read's own state: io.Reader allows one Read at a time, and Close
	// runs after the last Read returned.
	next    int           // the part Read takes next
	buf     []byte        // what is left of part next-1
	reading int64         // budget held by the part in buf
	fetched time.Duration // how long part next-1 took to arrive
	takenAt time.Time     // when Read took part next-1
	err     error

	mu         sync.Mutex // guards the fields below
	drained    int        // parts Read has given out entirely
	limit      int64      // request bytes beyond those drained the scheduler may request
	run        *run       // the current run; nil after a reclaim, until Read
	registered bool       // counted among the budget's streams
	active     bool       // a Read is in progress
	idleSince  time.Time
	closed     bool
}

// run is one generation of fetching: a scheduler from part from on, with
// its own results, ended as a whole by cancel.
type run struct {
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the run's goroutines
	from    int
	results []chan partResult // ring: part i's result is in results[i%len]
	// wake tells the scheduler that taken, limit or inFlight changed.
	wake     chan struct{}
	inFlight atomic.Int64
}

type partResult struct {
	data    []byte
	err     error
	budget  int64         // the memory taken for the part, now owned by whoever receives it
	fetched time.Duration // from request to answer
}

// location is the file's current place: its DC and its file reference can
// change while a stream runs (FILE_MIGRATE, FILE_REFERENCE_EXPIRED).
type location struct {
	mu        sync.Mutex
	file      *File
	dc        int
	migrated  int // FILE_MIGRATE hops followed
	refreshed bool
}

// maxLimit is how many request bytes beyond those drained a stream may
// hold (being read, fetched or in flight): more than Window parts, so that
// parts that arrive out of order do not take in-flight slots from the
// parts behind them.
func (s *Service) maxLimit() int64 { return int64(2*s.opts.Window+1) * partSize }

// initialWindow is the bytes a new stream, or one resuming after a stall,
// requests before its client has drained any: initialLimit whole parts.
const (
	initialLimit  = 2
	initialWindow = initialLimit * partSize
)

func (s *Service) newReader(ctx context.Context, f *File, first, last int64) (*reader, error) {
	parts := planParts(first, last)
	if s.budget.register() == 1 {
		// Alone: the calls a spread plan adds cost no other stream.
		parts = spreadPlan(parts, s.tg.spread(), s.opts.Window)
	}
	// The first part's memory is taken before anything starts: when the
	// budget is spent a new stream waits briefly, then fails busy.
	held := new(atomic.Int64)
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
		s:          s,
		ctx:        rctx,
		cancel:     cancel,
		parts:      parts,
		loc:        &location{file: f, dc: f.DC},
		held:       held,
		head:       headParts(parts),
		ring:       mostWithin(parts, s.maxLimit()) + 1,
		limit:      initialWindow,
		registered: true,
	}
	r.mu.Lock()
	r.startLocked(true)
	r.idleSince = time.Now()
	r.mu.Unlock()
	r.wg.Add(1)
	go r.watch()
	return r, nil
}

// watch reclaims the stream's run when its client has not read for
// StallTimeout; it checks every StallTimeout, so a stall is noticed
// within twice that.
func (r *reader) watch() {
	defer r.wg.Done()
	t := time.NewTicker(r.s.opts.StallTimeout)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			r.reclaim()
		}
	}
}

// startLocked starts a run from part r.next; paid says the budget of that
// part is taken already.
func (r *reader) startLocked(paid bool) {
	ctx, cancel := context.WithCancel(r.ctx)
	g := &run{
		ctx:     ctx,
		cancel:  cancel,
		from:    r.next,
		results: make([]chan partResult, r.ring),
		wake:    make(chan struct{}, 1),
	}
	for i := range g.results {
		g.results[i] = make(chan partResult, 1)
	}
	r.run = g
	r.wg.Add(1)
	g.wg.Add(1)
	go r.schedule(g, paid)
}

// schedule starts part fetches in order, each when the window allows it
// and after taking its memory from the budget.
func (r *reader) schedule(g *run, paid bool) {
	defer r.wg.Done()
	defer g.wg.Done()
	for i := g.from; i < len(r.parts); i++ {
		p := r.parts[i]
		if !r.waitTurn(g, i) {
			if paid {
				r.s.budget.release(p.Limit, r.held)
			}
			return
		}
		if !paid {
			if err := r.s.budget.acquire(g.ctx, p.Limit, r.held); err != nil {
				return
			}
		}
		paid = false
		g.inFlight.Add(1)
		r.wg.Add(1)
		g.wg.Add(1)
		go func() {
			defer r.wg.Done()
			defer g.wg.Done()
			start := time.Now()
			data, err := r.fetch(g.ctx, p)
			g.results[i%len(g.results)] <- partResult{data: data, err: err, budget: p.Limit, fetched: time.Since(start)}
			g.inFlight.Add(-1)
			g.poke()
		}()
	}
}

// waitTurn waits until part i may be requested: it is within the limit
// ahead of the reader and fewer than Window parts are in flight.
func (r *reader) waitTurn(g *run, i int) bool {
	for {
		r.mu.Lock()
		ok := r.parts[i].Offset+r.parts[i].Limit-r.parts[r.drained].Offset <= r.limit
		r.mu.Unlock()
		if ok && g.inFlight.Load() < int64(r.s.opts.Window) {
			return true
		}
		select {
		case <-g.wake:
		case <-g.ctx.Done():
			return false
		}
	}
}

func (g *run) poke() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

func (r *reader) Read(b []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	g := r.resume()
	defer r.pause()
	for len(r.buf) == 0 {
		if r.reading != 0 {
			r.releaseReading()
			r.drainedPart(g)
		}
		if r.next == len(r.parts) {
			r.err = io.EOF
			return 0, io.EOF
		}
		var res partResult
		select {
		case res = <-g.results[r.next%len(g.results)]:
		case <-r.ctx.Done():
			r.err = r.ctx.Err()
			return 0, r.err
		}
		r.reading = res.budget
		if res.err != nil {
			r.releaseReading()
			r.err = res.err
			return 0, res.err
		}
		r.buf, r.fetched, r.takenAt = res.data, res.fetched, time.Now()
		r.next++
	}
	n := copy(b, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// drainedPart records that part next-1 was given out entirely, and grows
// the limit (see reader) if the client drained it faster than Telegram
// delivered it.
func (r *reader) drainedPart(g *run) {
	r.mu.Lock()
	r.drained++
	if r.drained >= r.head && time.Since(r.takenAt) < r.fetched {
		r.limit = grow(r.limit, r.s.maxLimit())
	}
	r.mu.Unlock()
	g.poke()
}

// grow is the limit after a part drained at full speed: fourfold, at most
// maxLimit (see reader for why not faster).
func grow(limit, maxLimit int64) int64 {
	return min(4*limit, maxLimit)
}

// resume marks a Read in progress, and restarts fetching if a stall
// reclaimed it.
func (r *reader) resume() *run {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active = true
	if !r.registered {
		r.registered = true
		r.s.budget.register()
	}
	if r.run == nil {
		r.limit = initialWindow
		r.startLocked(false)
	}
	return r.run
}

// pause marks the end of a Read.
func (r *reader) pause() {
	r.mu.Lock()
	r.active = false
	r.idleSince = time.Now()
	r.mu.Unlock()
}

// reclaim ends the run of a stream whose client stopped reading: fetches
// stop, parts fetched but not taken go back to the budget, and the stream
// no longer counts for the budget's fair share until it reads again. The
// part being read stays: the client will want it next.
func (r *reader) reclaim() {
	r.mu.Lock()
	if r.closed || r.active || r.run == nil || time.Since(r.idleSince) < r.s.opts.StallTimeout {
		r.mu.Unlock()
		return
	}
	g := r.run
	r.run = nil
	if r.registered {
		r.registered = false
		r.s.budget.unregister()
	}
	r.mu.Unlock()
	g.cancel()
	g.wg.Wait()
	r.drain(g)
	r.s.reclaims.Add(1)
}

// drain gives back the memory of results nobody took; g's goroutines
// have all returned.
func (r *reader) drain(g *run) {
	for _, ch := range g.results {
		select {
		case res := <-ch:
			r.s.budget.release(res.budget, r.held)
		default:
		}
	}
}

// releaseReading gives back the memory of the part just read.
func (r *reader) releaseReading() {
	if r.reading == 0 {
		return
	}
	r.s.budget.release(r.reading, r.held)
	r.reading = 0
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
	r.mu.Lock()
	already := r.closed
	r.closed = true
	g := r.run
	r.run = nil
	registered := r.registered
	r.registered = false
	r.mu.Unlock()
	if already {
		return nil
	}
	r.cancel()
	r.releaseReading() // Read's own state: Close runs after the last Read
	cleanup := func() {
		if g != nil {
			r.drain(g)
		}
		if registered {
			r.s.budget.unregister()
		}
	}
	if done := r.waitFetches(); done != nil {
		go func() {
			<-done
			cleanup()
		}()
	} else {
		cleanup()
	}
	if r.err == nil {
		r.err = errors.New("stream: read after close")
	}
	return nil
}

// waitFetches waits for every goroutine of the reader to return, until
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

// fetch gets one part, following FILE_MIGRATE to the right DC, refreshing
// an expired file reference once, and retrying a failed or timed-out call a
// bounded number of times. It checks every answer's length.
func (r *reader) fetch(ctx context.Context, p part) ([]byte, error) {
	want := p.Skip + p.Take // bytes of the answer we need
	var got []byte
	offset, limit := p.Offset, p.Limit
	failures, hops := 0, 0
	for int64(len(got)) < want {
		f, dc := r.loc.current()
		api, err := r.s.tg.dc(ctx, dc)
		if err == nil {
			var res tg.UploadFileClass
			res, err = api.UploadGetFile(ctx, &tg.UploadGetFileRequest{
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
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if dc, ok := tgerrclass.MigrateTo(err); ok {
			if hops++; hops > maxMigrateHops {
				return nil, fmt.Errorf("%w: %d answers for the part at %d, the last to DC %d", ErrMigrateLoop, hops, p.Offset, dc)
			}
			if err := r.loc.migrate(dc); err != nil {
				return nil, err
			}
			// A file moves once; hops beyond that back off, in case
			// Telegram is rebalancing, until the bound ends them.
			if hops > 1 && !sleep(ctx, time.Duration(hops-1)*200*time.Millisecond) {
				return nil, ctx.Err()
			}
			continue
		}
		class := tgerrclass.Of(err)
		if class == tgerrclass.FileReference {
			if rerr := r.loc.refresh(ctx, r.s.resolver, f); rerr != nil {
				return nil, rerr
			}
			continue
		}
		if class == tgerrclass.FloodWait {
			return nil, classify(err) // longer than the budget the client waits out
		}
		if class == tgerrclass.BadRequest {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		failures++
		if failures > r.s.opts.PartRetries {
			return nil, classify(err)
		}
		if !sleep(ctx, time.Duration(failures)*100*time.Millisecond) {
			return nil, ctx.Err()
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

// maxMigrateHops bounds the FILE_MIGRATE answers one part follows, and the
// moves from DC to DC of one stream: a file lives in one DC, so more than
// this is a loop.
const maxMigrateHops = 3

// migrate moves the stream to dc after a FILE_MIGRATE_dc; parts that meet
// the same move together count it once. It fails with ErrMigrateLoop when
// the stream has moved too often.
func (l *location) migrate(dc int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dc == dc {
		return nil
	}
	if l.migrated++; l.migrated > maxMigrateHops {
		return fmt.Errorf("%w: moved %d times, the last to DC %d", ErrMigrateLoop, l.migrated, dc)
	}
	l.dc = dc
	return nil
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
