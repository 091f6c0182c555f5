package main

// The load tests' clients and what they count.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// loadClient is one client: one request at a time, each for a random
// range, the body compared with the file as it arrives.
type loadClient struct {
	http    *http.Client
	url     string
	content tgfake.Content
	rng     *rand.Rand
	res     *loadResult
	got     []byte // a piece of the body
	want    []byte // the same piece of the file
}

// maxRequestsPerClient bounds a client's loop in count (ctx bounds it in
// time).
const maxRequestsPerClient = 100_000

func (c *loadClient) loop(ctx context.Context) {
	for i := 0; i < maxRequestsPerClient && ctx.Err() == nil; i++ {
		header, first, last := c.randomRange()
		err := c.fetch(ctx, header, first, last)
		switch {
		case err == nil:
		case errors.Is(err, errShed):
			// Retry soon: keep up the pressure rather than honour the
			// Retry-After, which this test only checks is there.
			sleep(ctx, time.Duration(20+c.rng.IntN(180))*time.Millisecond)
		case ctx.Err() != nil:
			c.res.cut.Add(1) // the round ended mid-response
		default:
			c.res.fail(fmt.Errorf("%s: %w", header, err))
		}
	}
}

// randomRange picks a range of 1 byte to loadMaxRange bytes: mostly
// first-last, sometimes a suffix (-n) or an open end near the end of the
// file.
func (c *loadClient) randomRange() (header string, first, last int64) {
	size := c.content.Size()
	n := 1 + c.rng.Int64N(loadMaxRange)
	switch k := c.rng.IntN(10); {
	case k == 0:
		return fmt.Sprintf("bytes=-%d", n), size - n, size - 1
	case k == 1:
		first = size - n
		return fmt.Sprintf("bytes=%d-", first), first, size - 1
	default:
		first = c.rng.Int64N(size - n + 1)
		last = first + n - 1
		return fmt.Sprintf("bytes=%d-%d", first, last), first, last
	}
}

var errShed = errors.New("503: shed")

// fetch asks for one range and checks the answer: 206 with the right
// Content-Range and exactly the file's bytes, or 503 with Retry-After.
func (c *loadClient) fetch(ctx context.Context, rangeHeader string, first, last int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Range", rangeHeader)
	c.res.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
	case http.StatusServiceUnavailable:
		c.res.shed.Add(1)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 {
			return fmt.Errorf("503 without a valid Retry-After (%q): %q", resp.Header.Get("Retry-After"), body)
		}
		return errShed
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("status %d: %q", resp.StatusCode, firstLine(string(body)))
	}
	size := c.content.Size()
	if cr, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", first, last, size); cr != want {
		return fmt.Errorf("Content-Range %q, want %q", cr, want)
	}
	if resp.ContentLength != last-first+1 {
		return fmt.Errorf("Content-Length %d, want %d", resp.ContentLength, last-first+1)
	}
	if err := c.compare(resp.Body, first, last-first+1); err != nil {
		return err
	}
	c.res.ok.Add(1)
	return nil
}

// compare reads n bytes from body and checks them against the file from
// off, then checks that the body ends there.
func (c *loadClient) compare(body io.Reader, off, n int64) error {
	for n > 0 {
		k := min(int64(len(c.got)), n)
		got, want := c.got[:k], c.want[:k]
		if m, err := io.ReadFull(body, got); err != nil {
			return fmt.Errorf("body short at byte %d (%d of a %d-byte piece): %w", off, m, k, err)
		}
		if _, err := c.content.ReadAt(want, off); err != nil && err != io.EOF {
			return fmt.Errorf("read the file at %d: %w", off, err)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for got[i] == want[i] {
				i++
			}
			c.res.wrong.Add(1)
			return fmt.Errorf("wrong byte at offset %d: got %#02x, want %#02x", off+int64(i), got[i], want[i])
		}
		c.res.bytes.Add(k)
		off += k
		n -= k
	}
	if m, _ := body.Read(c.got[:1]); m > 0 {
		c.res.wrong.Add(1)
		return errors.New("body longer than Content-Length")
	}
	return nil
}

// loadResult counts what a round of load did.
type loadResult struct {
	started  time.Time
	elapsed  time.Duration
	requests atomic.Int64 // sent
	ok       atomic.Int64 // 206, every byte right
	shed     atomic.Int64 // 503 with Retry-After
	wrong    atomic.Int64 // bodies with a wrong or extra byte
	cut      atomic.Int64 // cut short by the end of the round
	bytes    atomic.Int64 // body bytes checked

	mu       sync.Mutex
	failures []error // the first loadMaxErrors
	failed   int
}

func (r *loadResult) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed++
	if len(r.failures) < loadMaxErrors {
		r.failures = append(r.failures, err)
	}
}

// checkBytes fails the test for any failed request.
func (r *loadResult) checkBytes(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wrong.Load() > 0 {
		t.Errorf("%d responses had wrong bytes", r.wrong.Load())
	}
	if r.failed > 0 {
		t.Errorf("%d of %d requests failed; the first:", r.failed, r.requests.Load())
		for _, err := range r.failures {
			t.Error("  ", err)
		}
	}
}

func (r *loadResult) String() string {
	secs := max(r.elapsed.Seconds(), 1e-9)
	return fmt.Sprintf("%d requests in %.1fs: %d ranges byte-exact (%s, %.1f MiB/s), %d shed with 503, %d cut by the end, %d failed",
		r.requests.Load(), secs, r.ok.Load(), mib(r.bytes.Load()), float64(r.bytes.Load())/secs/(1<<20),
		r.shed.Load(), r.cut.Load(), r.failed)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
