package stream

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/pkg/tgerrclass"
)

// resolver turns a message id into a File: the channel through
// channels.getChannels (access hash 0, cached), the message through
// channels.getMessages, behind a bounded TTL cache with one Telegram call for
// any number of concurrent misses.
type resolver struct {
	tg        conn
	channelID int64

	channelMu sync.Mutex
	channel   *tg.InputChannel

	// cache holds found messages; misses holds "not found" and "no
	// media" answers apart, so that a flood of wrong ids cannot evict
	// the files people download.
	cache  *fileCache
	misses *fileCache
	bound  idBound
	group  callGroup
}

// errFarID: the id is far beyond the channel's newest known message and
// this is not the moment for a probe.
var errFarID = fmt.Errorf("%w: id beyond the newest message", ErrMessageNotFound)

func (r *resolver) resolve(ctx context.Context, id int) (*File, error) {
	if f, ok := r.cached(id); ok {
		return f, nil
	}
	if _, err, ok := r.misses.get(id); ok {
		return nil, err
	}
	var ladder []int
	if !r.bound.near(id) {
		var ok bool
		if ladder, ok = r.bound.probe(id); !ok {
			return nil, errFarID
		}
	}
	return r.group.do(ctx, id, func(ctx context.Context) (*File, error) {
		f, err := r.fetch(ctx, id, ladder)
		switch {
		case err == nil:
			r.cache.put(id, f, nil)
		case errors.Is(err, ErrMessageNotFound), errors.Is(err, ErrNoMedia), errors.Is(err, ErrUnsupportedMedia):
			r.misses.put(id, nil, err)
		}
		return f, err
	})
}

// cached returns message id's File if it is in the cache, without a call.
func (r *resolver) cached(id int) (*File, bool) {
	f, _, ok := r.cache.get(id)
	return f, ok && f != nil
}

// forget drops a cached message, e.g. after FILE_REFERENCE_EXPIRED.
func (r *resolver) forget(id int) { r.cache.drop(id) }

// fetch looks message id up, and the ids of ladder in the same call (they
// only tell the bound where the channel's newest message is).
func (r *resolver) fetch(ctx context.Context, id int, ladder []int) (*File, error) {
	api, err := r.tg.home(ctx)
	if err != nil {
		return nil, classify(err)
	}
	channel, err := r.inputChannel(ctx, api)
	if err != nil {
		return nil, err
	}
	ids := []tg.InputMessageClass{&tg.InputMessageID{ID: id}}
	for _, l := range ladder {
		ids = append(ids, &tg.InputMessageID{ID: l})
	}
	res, err := api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{Channel: channel, ID: ids})
	if tgerrclass.Of(err).Channel() {
		r.channelMu.Lock()
		r.channel = nil // the access hash may have changed: ask again next time
		r.channelMu.Unlock()
	}
	if err != nil {
		return nil, classify(err)
	}
	modified, ok := res.AsModified()
	if !ok {
		return nil, fmt.Errorf("%w: unexpected %T", ErrUnavailable, res)
	}
	var found tg.MessageClass
	for _, m := range modified.GetMessages() {
		switch m.(type) {
		case *tg.Message, *tg.MessageService:
			r.bound.seen(m.GetID())
			if m.GetID() == id {
				found = m
			}
		}
	}
	switch m := found.(type) {
	case *tg.Message:
		return fileFromMessage(m)
	case *tg.MessageService:
		return nil, ErrNoMedia
	}
	return nil, ErrMessageNotFound
}

func (r *resolver) inputChannel(ctx context.Context, api telegramAPI) (*tg.InputChannel, error) {
	r.channelMu.Lock()
	defer r.channelMu.Unlock()
	if r.channel != nil {
		return r.channel, nil
	}
	c, err := r.lookupChannel(ctx, api)
	if err != nil {
		return nil, err
	}
	r.channel = c
	return c, nil
}

// lookupChannel asks Telegram for the log channel (uncached).
func (r *resolver) lookupChannel(ctx context.Context, api telegramAPI) (*tg.InputChannel, error) {
	chats, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{
		&tg.InputChannel{ChannelID: r.channelID},
	})
	if err != nil {
		return nil, classify(err)
	}
	for _, c := range chats.GetChats() {
		switch c := c.(type) {
		case *tg.Channel:
			if c.ID == r.channelID {
				return &tg.InputChannel{ChannelID: c.ID, AccessHash: c.AccessHash}, nil
			}
		case *tg.ChannelForbidden:
			if c.ID == r.channelID {
				return nil, fmt.Errorf("%w: %w", ErrChannelUnreachable, errChannelBanned)
			}
		}
	}
	return nil, fmt.Errorf("%w: %w", ErrChannelUnreachable, errChannelMissing)
}

// classify maps Telegram and network errors onto this package's typed
// errors, keeping the original wrapped for logs.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var fw *FloodWaitError
	if errors.As(err, &fw) || errors.Is(err, ErrBusy) || errors.Is(err, ErrUnavailable) ||
		errors.Is(err, ErrChannelUnreachable) || errors.Is(err, ErrMessageNotFound) || errors.Is(err, ErrNoMedia) {
		return err
	}
	switch class := tgerrclass.Of(err); {
	case class == tgerrclass.FloodWait:
		d, _ := tgerr.AsFloodWait(err)
		return fmt.Errorf("%w", &FloodWaitError{Wait: d})
	case class.Channel():
		return fmt.Errorf("%w: %w", ErrChannelUnreachable, err)
	case class == tgerrclass.MessageMissing:
		return fmt.Errorf("%w: %w", ErrMessageNotFound, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// callGroup runs one call per key; concurrent callers share its result.
// A caller whose ctx ends stops waiting; the call itself runs on a context
// that ends when the last waiter leaves.
type callGroup struct {
	mu    sync.Mutex
	calls map[int]*call
}

type call struct {
	done    chan struct{}
	f       *File
	err     error
	waiters int
	cancel  context.CancelFunc
}

func (g *callGroup) do(ctx context.Context, key int, fn func(context.Context) (*File, error)) (*File, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[int]*call{}
	}
	c, ok := g.calls[key]
	if !ok {
		cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call{done: make(chan struct{}), cancel: cancel}
		g.calls[key] = c
		go func() {
			defer cancel()
			c.f, c.err = fn(cctx)
			g.mu.Lock()
			delete(g.calls, key)
			g.mu.Unlock()
			close(c.done)
		}()
	}
	c.waiters++
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.f, c.err
	case <-ctx.Done():
		g.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			c.cancel()
		}
		g.mu.Unlock()
		return nil, ctx.Err()
	}
}

// fileCache is a bounded LRU of resolved messages with a TTL, and a shorter
// TTL for negative answers (missing message, no media). Hand-written
// because golang-lru's expirable.LRU (v2.0.7) starts a cleanup goroutine per
// cache that nothing can stop.
type fileCache struct {
	mu          sync.Mutex
	ttl, negTTL time.Duration
	size        int
	order       *list.List // front: most recently used
	items       map[int]*list.Element
	now         func() time.Time
}

type cacheEntry struct {
	id      int
	f       *File
	err     error
	expires time.Time
}

func newFileCache(size int, ttl, negTTL time.Duration) *fileCache {
	return &fileCache{ttl: ttl, negTTL: negTTL, size: size, order: list.New(), items: map[int]*list.Element{}, now: time.Now}
}

func (c *fileCache) get(id int) (*File, error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[id]
	if !ok {
		return nil, nil, false
	}
	e := el.Value.(*cacheEntry)
	if c.now().After(e.expires) {
		c.order.Remove(el)
		delete(c.items, id)
		return nil, nil, false
	}
	c.order.MoveToFront(el)
	return e.f, e.err, true
}

func (c *fileCache) put(id int, f *File, err error) {
	if c.size <= 0 || c.ttl <= 0 {
		return
	}
	ttl := c.ttl
	if err != nil {
		ttl = c.negTTL
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[id]; ok {
		c.order.Remove(el)
	}
	c.items[id] = c.order.PushFront(&cacheEntry{id: id, f: f, err: err, expires: c.now().Add(ttl)})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).id)
	}
}

func (c *fileCache) drop(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[id]; ok {
		c.order.Remove(el)
		delete(c.items, id)
	}
}
