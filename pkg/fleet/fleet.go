// Package fleet makes several bots serve as one Telegram: one
// pkg/telegram.Client per bot token, each with its own login, sessions and
// connections. It sits between pkg/stream and the clients and implements
// the same three methods (stream.Telegram), so the stream core does not know
// how many bots there are.
//
// Each bot sees its own access hashes and file references, so the fleet
// keeps, per bot, the log channel and the location of every file it
// resolved: channels.getMessages goes to every bot in rotation, and each
// upload.getFile goes to the least-loaded bot that has the file's location,
// rewritten with that bot's hash and reference. A bot that fails (Telegram
// refuses its login, it is not an admin of the channel, a long flood wait,
// a revoked session) is out of rotation for a while, with the reason on the
// status page; the call is retried on another bot.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/pkg/telegram"
)

// How long a failing bot stays out of rotation, by cause. A flood wait keeps
// it out for exactly its wait.
const (
	outLogin        = 10 * time.Minute
	outNotInChannel = 5 * time.Minute
	outRevoked      = 10 * time.Minute
	outUnreachable  = 20 * time.Second
)

// straggle is how long getMessages waits for the other bots once one
// answered: a slow bot only misses this file (it gets it on the next
// resolve), it does not slow the first byte.
const straggle = 300 * time.Millisecond

// maxLocations bounds each bot's remembered file locations (the stream
// core caches 1024 files by default).
const maxLocations = 8192

// Fleet is several bots as one Telegram. Safe for concurrent use.
type Fleet struct {
	bots    []*bot
	next    atomic.Uint64 // round robin among equally loaded bots
	now     func() time.Time
	budget  time.Duration // flood waits up to this are the clients' to wait out
	api     *tg.Client
	poolsMu sync.Mutex
	pools   map[int]*tg.Client
}

// New starts nothing: each client logs in on first use. opts are the
// settings of every client; tokens[0] is the first bot (opts.Session, a
// TG_SESSION, is its alone).
func New(opts telegram.Options, tokens []string) *Fleet {
	f := &Fleet{now: time.Now, budget: opts.FloodWaitBudget, pools: map[int]*tg.Client{}}
	for i, token := range tokens {
		o := opts
		o.BotToken = token
		if i > 0 {
			o.Session = nil
		}
		f.bots = append(f.bots, newBot(telegram.New(o), token))
	}
	f.api = tg.NewClient(&invoker{f: f, dc: 0})
	return f
}

// Clients are the bots' clients, the first bot first.
func (f *Fleet) Clients() []*telegram.Client {
	out := make([]*telegram.Client, len(f.bots))
	for i, b := range f.bots {
		out[i] = b.client
	}
	return out
}

// API is the fleet's home-DC API: channels.getMessages reaches every bot in
// rotation, other calls one of them.
func (f *Fleet) API(ctx context.Context) (*tg.Client, error) { return f.api, nil }

// DC is the fleet's download API for a DC: each upload.getFile goes to one
// bot's pool for that DC.
func (f *Fleet) DC(ctx context.Context, dc int) (*tg.Client, error) {
	f.poolsMu.Lock()
	defer f.poolsMu.Unlock()
	c := f.pools[dc]
	if c == nil {
		c = tg.NewClient(&invoker{f: f, dc: dc})
		f.pools[dc] = c
	}
	return c, nil
}

// Connected reports whether any bot is logged in.
func (f *Fleet) Connected() bool {
	for _, b := range f.bots {
		if b.client.Connected() {
			return true
		}
	}
	return false
}

// Status reports every bot, the first first, with why it is out of
// rotation if it is.
func (f *Fleet) Status() []telegram.Status {
	now := f.now()
	out := make([]telegram.Status, len(f.bots))
	for i, b := range f.bots {
		s := b.client.Status()
		if reason, until := b.out(now); reason != "" {
			s.OutOfRotation = fmt.Sprintf("%s (until %s)", reason, until.UTC().Format("15:04:05 UTC"))
		}
		out[i] = s
	}
	return out
}

// Close stops every client.
func (f *Fleet) Close() error {
	var errs []error
	for _, b := range f.bots {
		errs = append(errs, b.client.Close())
	}
	return errors.Join(errs...)
}

// bot is one member of the fleet.
type bot struct {
	client   *telegram.Client
	id       int64
	inflight atomic.Int64

	mu       sync.Mutex
	outUntil time.Time
	reason   string
	channels map[int64]*tg.InputChannel // by channel id: this bot's access hash
	locs     map[int64]location         // by document or photo id
	order    []int64                    // locs' keys, oldest first
}

// location is what one bot needs to fetch a file: its access hash and file
// reference.
type location struct {
	accessHash int64
	reference  []byte
}

func newBot(c *telegram.Client, token string) *bot {
	return &bot{client: c, id: telegram.BotID(token), channels: map[int64]*tg.InputChannel{}, locs: map[int64]location{}}
}

func (b *bot) out(now time.Time) (string, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.outUntil) {
		return b.reason, b.outUntil
	}
	return "", time.Time{}
}

func (b *bot) takeOut(until time.Time, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until.After(b.outUntil) {
		b.outUntil, b.reason = until, reason
	}
}

func (b *bot) location(id int64) (location, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.locs[id]
	return l, ok
}

func (b *bot) remember(id int64, l location) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.locs[id]; !ok {
		b.order = append(b.order, id)
		if len(b.order) > maxLocations {
			delete(b.locs, b.order[0])
			b.order = b.order[1:]
		}
	}
	b.locs[id] = l
}

// judge takes b out of rotation if err says it cannot serve now; it
// reports whether another bot should be tried.
func (f *Fleet) judge(b *bot, err error) bool {
	now := f.now()
	if d, ok := tgerr.AsFloodWait(err); ok {
		// The client waits out flood waits within the budget; a longer one
		// keeps this bot out for as long.
		if d > f.budget {
			b.takeOut(now.Add(d), fmt.Sprintf("flood wait of %s", d))
			return true
		}
		return false
	}
	switch {
	case errors.Is(err, telegram.ErrLogin):
		b.takeOut(now.Add(outLogin), "Telegram refused its login (token revoked or wrong)")
	case tgerr.Is(err, "CHANNEL_PRIVATE", "CHANNEL_INVALID", "CHAT_ADMIN_REQUIRED"):
		b.takeOut(now.Add(outNotInChannel), "not an admin of the log channel")
	case tgerr.Is(err, "AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "USER_DEACTIVATED", "AUTH_KEY_DUPLICATED"):
		b.takeOut(now.Add(outRevoked), "its session was revoked")
	case errors.Is(err, telegram.ErrNotConnected):
		b.takeOut(now.Add(outUnreachable), "not connected")
	default:
		return false
	}
	return true
}

// pick is the least-loaded bot in rotation for which ok holds; nil if none.
func (f *Fleet) pick(ok func(*bot) bool, tried map[*bot]bool) *bot {
	now := f.now()
	start := int(f.next.Add(1))
	var best *bot
	for i := range f.bots {
		b := f.bots[(start+i)%len(f.bots)]
		if tried[b] || !ok(b) {
			continue
		}
		if reason, _ := b.out(now); reason != "" {
			continue
		}
		if best == nil || b.inflight.Load() < best.inflight.Load() {
			best = b
		}
	}
	return best
}

// soonestBack is the bot that returns to rotation first, for when every
// bot is out: its own error is then the honest answer.
func (f *Fleet) soonestBack(tried map[*bot]bool) *bot {
	var best *bot
	var bestUntil time.Time
	for _, b := range f.bots {
		if tried[b] {
			continue
		}
		b.mu.Lock()
		until := b.outUntil
		b.mu.Unlock()
		if best == nil || until.Before(bestUntil) {
			best, bestUntil = b, until
		}
	}
	return best
}

// unavailable answers for a bot that is out of rotation without calling
// Telegram: its remaining flood wait, or why it is out.
func (f *Fleet) unavailable(b *bot) error {
	b.mu.Lock()
	until, reason := b.outUntil, b.reason
	b.mu.Unlock()
	left := until.Sub(f.now())
	if len(reason) > 10 && reason[:10] == "flood wait" {
		return tgerr.New(420, fmt.Sprintf("FLOOD_WAIT_%d", max(1, int(left.Seconds()+0.999))))
	}
	return fmt.Errorf("%w: every bot is out of rotation; bot %d: %s", telegram.ErrNotConnected, b.id, reason)
}

// invoker routes the calls of the fleet's API (dc 0) or of its download API
// for one DC.
type invoker struct {
	f  *Fleet
	dc int
}

func (i *invoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	switch req := input.(type) {
	case *tg.UploadGetFileRequest:
		return i.f.getFile(ctx, i.dc, req, output)
	case *tg.ChannelsGetMessagesRequest:
		return i.f.getMessages(ctx, req, output)
	case *tg.ChannelsGetChannelsRequest:
		return i.f.getChannels(ctx, req, output)
	}
	return i.f.any(ctx, i.dc, func(api *tg.Client) error { return api.Invoker().Invoke(ctx, input, output) })
}

// apiOf is bot b's API for dc (0: home).
func apiOf(ctx context.Context, b *bot, dc int) (*tg.Client, error) {
	if dc == 0 {
		return b.client.API(ctx)
	}
	return b.client.DC(ctx, dc)
}

// any runs call on one bot in rotation, moving on to the next while bots
// fail in a way that takes them out.
func (f *Fleet) any(ctx context.Context, dc int, call func(*tg.Client) error) error {
	tried := map[*bot]bool{}
	for {
		b := f.pick(func(*bot) bool { return true }, tried)
		if b == nil {
			if b = f.soonestBack(tried); b == nil {
				return errors.New("fleet: no bot")
			}
		}
		tried[b] = true
		api, err := apiOf(ctx, b, dc)
		if err == nil {
			err = call(api)
		}
		if err == nil || ctx.Err() != nil || !f.judge(b, err) || len(tried) == len(f.bots) {
			return err
		}
	}
}

// getChannels answers from one bot (the access hash it returns is that
// bot's; getMessages translates it per bot anyway).
func (f *Fleet) getChannels(ctx context.Context, req *tg.ChannelsGetChannelsRequest, output bin.Decoder) error {
	return f.any(ctx, 0, func(api *tg.Client) error { return api.Invoker().Invoke(ctx, req, output) })
}

// channel is bot b's InputChannel for id, resolved once per bot.
func (b *bot) channel(ctx context.Context, api *tg.Client, id int64) (*tg.InputChannel, error) {
	b.mu.Lock()
	c := b.channels[id]
	b.mu.Unlock()
	if c != nil {
		return c, nil
	}
	chats, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{&tg.InputChannel{ChannelID: id}})
	if err != nil {
		return nil, err
	}
	for _, ch := range chats.GetChats() {
		switch ch := ch.(type) {
		case *tg.Channel:
			if ch.ID == id {
				c = &tg.InputChannel{ChannelID: id, AccessHash: ch.AccessHash}
				b.mu.Lock()
				b.channels[id] = c
				b.mu.Unlock()
				return c, nil
			}
		case *tg.ChannelForbidden:
			if ch.ID == id {
				return nil, tgerr.New(400, "CHANNEL_PRIVATE")
			}
		}
	}
	return nil, tgerr.New(400, "CHANNEL_INVALID")
}

func (b *bot) forgetChannel(id int64) {
	b.mu.Lock()
	delete(b.channels, id)
	b.mu.Unlock()
}

type messagesResult struct {
	b   *bot
	res tg.MessagesMessagesClass
	err error
}

// getMessages asks every bot in rotation, each with its own channel access
// hash, and remembers each bot's file locations. The caller gets the first
// bot's answer if it has one, else any; bots still asking straggle after
// the first answer are cancelled.
func (f *Fleet) getMessages(ctx context.Context, req *tg.ChannelsGetMessagesRequest, output bin.Decoder) error {
	in, ok := req.Channel.(*tg.InputChannel)
	box, boxOK := output.(*tg.MessagesMessagesBox)
	if !ok || !boxOK {
		return f.any(ctx, 0, func(api *tg.Client) error { return api.Invoker().Invoke(ctx, req, output) })
	}
	var members []*bot
	now := f.now()
	for _, b := range f.bots {
		if reason, _ := b.out(now); reason == "" {
			members = append(members, b)
		}
	}
	if len(members) == 0 {
		if b := f.soonestBack(nil); b != nil {
			members = []*bot{b}
		}
	}
	ask, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan messagesResult, len(members))
	var wg sync.WaitGroup
	for _, b := range members {
		wg.Add(1)
		go func() {
			// Owned by getMessages: it cancels ask and waits below.
			defer wg.Done()
			res, err := f.botMessages(ask, b, in.ChannelID, req.ID)
			results <- messagesResult{b: b, res: res, err: err}
		}()
	}
	var got []messagesResult
	var timer <-chan time.Time
	for len(got) < len(members) {
		select {
		case r := <-results:
			got = append(got, r)
			if r.err == nil && timer == nil {
				t := time.NewTimer(straggle)
				defer t.Stop()
				timer = t.C
			}
			continue
		case <-timer:
		case <-ctx.Done():
		}
		break
	}
	cancel()
	wg.Wait()
	close(results)
	for r := range results {
		got = append(got, r)
	}

	var best *messagesResult
	for i := range got {
		r := &got[i]
		if r.err == nil {
			f.learn(r.b, r.res)
		} else if !errors.Is(r.err, context.Canceled) {
			f.judge(r.b, r.err)
		}
		if best == nil || (best.err != nil && r.err == nil) || (r.err == nil && r.b == f.bots[0]) {
			best = r
		}
	}
	if best == nil {
		return ctx.Err()
	}
	if best.err != nil {
		return best.err
	}
	box.Messages = best.res
	return nil
}

func (f *Fleet) botMessages(ctx context.Context, b *bot, channelID int64, ids []tg.InputMessageClass) (tg.MessagesMessagesClass, error) {
	b.inflight.Add(1)
	defer b.inflight.Add(-1)
	api, err := b.client.API(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := b.channel(ctx, api, channelID)
	if err != nil {
		return nil, err
	}
	res, err := api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{Channel: ch, ID: ids})
	if tgerr.Is(err, "CHANNEL_INVALID", "CHANNEL_PRIVATE") {
		b.forgetChannel(channelID) // the access hash may have changed: ask again next time
	}
	return res, err
}

// learn remembers the file locations bot b was given.
func (f *Fleet) learn(b *bot, res tg.MessagesMessagesClass) {
	modified, ok := res.AsModified()
	if !ok {
		return
	}
	for _, m := range modified.GetMessages() {
		msg, ok := m.(*tg.Message)
		if !ok {
			continue
		}
		switch media := msg.Media.(type) {
		case *tg.MessageMediaDocument:
			if d, ok := media.Document.(*tg.Document); ok {
				b.remember(d.ID, location{accessHash: d.AccessHash, reference: d.FileReference})
			}
		case *tg.MessageMediaPhoto:
			if p, ok := media.Photo.(*tg.Photo); ok {
				b.remember(p.ID, location{accessHash: p.AccessHash, reference: p.FileReference})
			}
		}
	}
}

// fileID is the document or photo id of a location (0: another kind).
func fileID(loc tg.InputFileLocationClass) int64 {
	switch l := loc.(type) {
	case *tg.InputDocumentFileLocation:
		return l.ID
	case *tg.InputPhotoFileLocation:
		return l.ID
	}
	return 0
}

// rewrite is req with the location as bot b knows it.
func rewrite(req *tg.UploadGetFileRequest, l location) *tg.UploadGetFileRequest {
	out := *req
	switch loc := req.Location.(type) {
	case *tg.InputDocumentFileLocation:
		c := *loc
		c.AccessHash, c.FileReference = l.accessHash, l.reference
		out.Location = &c
	case *tg.InputPhotoFileLocation:
		c := *loc
		c.AccessHash, c.FileReference = l.accessHash, l.reference
		out.Location = &c
	}
	return &out
}

// getFile sends one part request to the least-loaded bot in rotation that
// knows the file, and to the next one if that bot turns out unable to
// serve. A file no bot has seen (resolved before the fleet knew it) goes
// as it is to the first bot.
func (f *Fleet) getFile(ctx context.Context, dc int, req *tg.UploadGetFileRequest, output bin.Decoder) error {
	id := fileID(req.Location)
	has := func(b *bot) bool { _, ok := b.location(id); return ok }
	known := false
	for _, b := range f.bots {
		if has(b) {
			known = true
			break
		}
	}
	if !known {
		has = func(b *bot) bool { return b == f.bots[0] }
	}
	tried := map[*bot]bool{}
	var lastErr error
	for {
		b := f.pick(has, tried)
		if b == nil {
			if lastErr != nil {
				return lastErr
			}
			// Every bot that has the file is out of rotation.
			for _, c := range f.bots {
				if !has(c) {
					tried[c] = true
				}
			}
			if b = f.soonestBack(tried); b == nil {
				return errors.New("fleet: no bot has the file")
			}
			return f.unavailable(b)
		}
		tried[b] = true
		call := req
		if l, ok := b.location(id); ok {
			call = rewrite(req, l)
		}
		err := f.fetch(ctx, b, dc, call, output)
		if err == nil || ctx.Err() != nil || !f.judge(b, err) {
			return err
		}
		lastErr = err
	}
}

func (f *Fleet) fetch(ctx context.Context, b *bot, dc int, req *tg.UploadGetFileRequest, output bin.Decoder) error {
	b.inflight.Add(1)
	defer b.inflight.Add(-1)
	api, err := b.client.DC(ctx, dc)
	if err != nil {
		return err
	}
	return api.Invoker().Invoke(ctx, req, output)
}
