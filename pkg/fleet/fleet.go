// Package fleet makes several bots serve as one Telegram: one
// pkg/tgclient.Client per bot token, each with its own login, sessions and
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

	"github.com/filetolink/filetolink/pkg/bottoken"
	"github.com/filetolink/filetolink/pkg/tgclient"
	"github.com/filetolink/filetolink/pkg/tgerrclass"
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

// backgroundTimeout bounds a bot's getMessages that goes on after the
// caller got its answer (it may include the bot's first login).
const backgroundTimeout = time.Minute

// maxLocations bounds each bot's remembered file locations (the stream
// core caches 1024 files by default).
const maxLocations = 8192

// Fleet is several bots as one Telegram. Safe for concurrent use.
type Fleet struct {
	bots    []*bot
	next    atomic.Uint64 // round robin among equally loaded bots
	claimMu sync.Mutex    // makes claim's pick and count one step
	now     func() time.Time
	budget  time.Duration // flood waits up to this are the clients' to wait out
	api     *tg.Client
	poolsMu sync.Mutex
	pools   map[int]*tg.Client

	msgsMu   sync.Mutex
	msgs     map[int64]msgRef // file id → the message that holds it
	msgOrder []int64          // msgs' keys, oldest first

	// ctx ends with Close; background lookups watch it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New starts nothing: each client logs in on first use. opts are the
// settings of every client; tokens[0] is the first bot (opts.Session, a
// TG_SESSION, is its alone).
func New(opts tgclient.Options, tokens []string) *Fleet { return NewEach(opts, tokens, nil) }

// NewEach is New with each bot's options passed through each (if not nil)
// before its client is made: e.g. to give each bot its own session pool.
func NewEach(opts tgclient.Options, tokens []string, each func(*tgclient.Options)) *Fleet {
	f := &Fleet{now: time.Now, budget: opts.FloodWaitLimit(), pools: map[int]*tg.Client{}, msgs: map[int64]msgRef{}}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	for i, token := range tokens {
		o := opts
		o.BotToken = token
		if i > 0 {
			o.Session = nil
		}
		if each != nil {
			each(&o)
		}
		f.bots = append(f.bots, newBot(tgclient.New(o), token))
	}
	f.api = tg.NewClient(&invoker{f: f, dc: 0})
	return f
}

// Clients are the bots' clients, the first bot first.
func (f *Fleet) Clients() []*tgclient.Client {
	out := make([]*tgclient.Client, len(f.bots))
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

// Spread is how many bots in rotation have no call in flight (at least
// 1): a stream that starts now spreads its first and last calls over them
// (stream.Spreader).
func (f *Fleet) Spread() int {
	now, n := f.now(), 0
	for _, b := range f.bots {
		if reason, _ := b.out(now); reason == "" && b.inflight.Load() == 0 {
			n++
		}
	}
	return max(1, n)
}

// Status reports every bot, the first first, with why it is out of
// rotation if it is.
func (f *Fleet) Status() []tgclient.Status {
	now := f.now()
	out := make([]tgclient.Status, len(f.bots))
	for i, b := range f.bots {
		s := b.client.Status()
		if reason, until := b.out(now); reason != "" {
			s.OutOfRotation = fmt.Sprintf("%s (until %s)", reason, until.UTC().Format("15:04:05 UTC"))
		}
		out[i] = s
	}
	return out
}

// Close stops the background lookups and every client.
func (f *Fleet) Close() error {
	f.cancel()
	f.wg.Wait()
	var errs []error
	for _, b := range f.bots {
		errs = append(errs, b.client.Close())
	}
	return errors.Join(errs...)
}

// bot is one member of the fleet.
type bot struct {
	client   *tgclient.Client
	id       int64
	inflight atomic.Int64

	mu       sync.Mutex
	outUntil time.Time
	reason   string
	channels map[int64]*tg.InputChannel // by channel id: this bot's access hash
	locs     map[int64]location         // by document or photo id
	order    []int64                    // locs' keys, oldest first
	teaching map[int64]bool             // files being looked up in the background
}

// location is what one bot needs to fetch a file: its access hash and file
// reference.
type location struct {
	accessHash int64
	reference  []byte
}

func newBot(c *tgclient.Client, token string) *bot {
	return &bot{client: c, id: bottoken.ID(token), channels: map[int64]*tg.InputChannel{}, locs: map[int64]location{}, teaching: map[int64]bool{}}
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
	class := tgerrclass.Of(err)
	switch {
	case errors.Is(err, tgclient.ErrLogin), class.Login():
		b.takeOut(now.Add(outLogin), "Telegram refused its login (token revoked or wrong)")
	case class.Channel():
		b.takeOut(now.Add(outNotInChannel), "not an admin of the log channel")
	case class.KeyDead():
		b.takeOut(now.Add(outRevoked), "its session was revoked")
	case errors.Is(err, tgclient.ErrNotConnected):
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

// claim is pick with a call counted in flight on the bot it returns, in
// one step: calls that start together (a stream's first window, its last
// parts) go to different bots instead of all seeing the same one least
// loaded.
func (f *Fleet) claim(ok func(*bot) bool, tried map[*bot]bool) *bot {
	f.claimMu.Lock()
	defer f.claimMu.Unlock()
	b := f.pick(ok, tried)
	if b != nil {
		b.inflight.Add(1)
	}
	return b
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
	return fmt.Errorf("%w: every bot is out of rotation; bot %d: %s", tgclient.ErrNotConnected, b.id, reason)
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
// hash; each bot remembers its file locations when its answer comes. The
// caller gets the first bot's answer if it has one by then, else any: it
// waits at most straggle for the others after the first answer. Bots still
// asking (one logging in on its first use) go on in the background, owned
// by the Fleet, and learn the file for the next parts.
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
	results := make(chan messagesResult, len(members))
	for _, b := range members {
		f.wg.Add(1)
		go func() {
			// Owned by the Fleet: Close cancels f.ctx and waits on f.wg.
			defer f.wg.Done()
			bctx, cancel := context.WithTimeout(f.ctx, backgroundTimeout)
			defer cancel()
			res, err := f.botMessages(bctx, b, in.ChannelID, req.ID)
			if err == nil {
				f.learn(b, in.ChannelID, res)
			} else if f.ctx.Err() == nil {
				f.judge(b, err)
			}
			results <- messagesResult{b: b, res: res, err: err}
		}()
	}
	var best *messagesResult
	var timer <-chan time.Time
	for n := 0; n < len(members); n++ {
		var r messagesResult
		select {
		case r = <-results:
		case <-timer:
		case <-ctx.Done():
		}
		if r.b == nil {
			break // straggle over, or the caller gave up
		}
		if best == nil || (best.err != nil && r.err == nil) || (r.err == nil && r.b == f.bots[0]) {
			best = &r
		}
		if r.err == nil && timer == nil {
			t := time.NewTimer(straggle)
			defer t.Stop()
			timer = t.C
		}
	}
	switch {
	case best == nil && ctx.Err() != nil:
		return ctx.Err()
	case best == nil:
		return errors.New("fleet: no answer")
	case best.err != nil:
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
	if tgerrclass.Of(err).Channel() {
		b.forgetChannel(channelID) // the access hash may have changed: ask again next time
	}
	return res, err
}

// learn remembers the file locations bot b was given, and which message
// of which channel holds each file.
func (f *Fleet) learn(b *bot, channelID int64, res tg.MessagesMessagesClass) {
	modified, ok := res.AsModified()
	if !ok {
		return
	}
	for _, m := range modified.GetMessages() {
		msg, ok := m.(*tg.Message)
		if !ok {
			continue
		}
		var id int64
		switch media := msg.Media.(type) {
		case *tg.MessageMediaDocument:
			if d, ok := media.Document.(*tg.Document); ok {
				id = d.ID
				b.remember(d.ID, location{accessHash: d.AccessHash, reference: d.FileReference})
			}
		case *tg.MessageMediaPhoto:
			if p, ok := media.Photo.(*tg.Photo); ok {
				id = p.ID
				b.remember(p.ID, location{accessHash: p.AccessHash, reference: p.FileReference})
			}
		}
		if id != 0 {
			f.msgsMu.Lock()
			if _, seen := f.msgs[id]; !seen {
				f.msgOrder = append(f.msgOrder, id)
				if len(f.msgOrder) > maxLocations {
					delete(f.msgs, f.msgOrder[0])
					f.msgOrder = f.msgOrder[1:]
				}
			}
			f.msgs[id] = msgRef{channelID: channelID, msgID: msg.ID}
			f.msgsMu.Unlock()
		}
	}
}

// msgRef is where a file was seen.
type msgRef struct {
	channelID int64
	msgID     int
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
	} else {
		f.teachOthers(id)
	}
	tried := map[*bot]bool{}
	var lastErr error
	for {
		b := f.claim(has, tried)
		if b == nil && known {
			// No bot in rotation has it (others were still logging in when
			// it was resolved, or those that had it failed): one that can
			// looks the message up itself first.
			if b = f.claim(func(*bot) bool { return true }, tried); b != nil {
				if err := f.teach(ctx, b, id); err != nil {
					b.inflight.Add(-1)
					tried[b] = true
					if ctx.Err() != nil {
						return err
					}
					f.judge(b, err)
					if lastErr == nil {
						lastErr = err
					}
					continue
				}
			}
		}
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

// teachOthers makes every bot in rotation that lacks file id look its
// message up in the background, once, so that the next parts can go to it
// too (on a cold start the first bots to answer a lookup are alone).
func (f *Fleet) teachOthers(id int64) {
	now := f.now()
	for _, b := range f.bots {
		if _, ok := b.location(id); ok {
			continue
		}
		if reason, _ := b.out(now); reason != "" {
			continue
		}
		b.mu.Lock()
		busy := b.teaching[id]
		b.teaching[id] = true
		b.mu.Unlock()
		if busy {
			continue
		}
		f.wg.Add(1)
		go func() {
			// Owned by the Fleet: Close cancels f.ctx and waits on f.wg.
			defer f.wg.Done()
			defer func() {
				b.mu.Lock()
				delete(b.teaching, id)
				b.mu.Unlock()
			}()
			ctx, cancel := context.WithTimeout(f.ctx, backgroundTimeout)
			defer cancel()
			if err := f.teach(ctx, b, id); err != nil && f.ctx.Err() == nil {
				f.judge(b, err)
			}
		}()
	}
}

// teach makes bot b look up the message that holds file id, so that it
// has its own location for it.
func (f *Fleet) teach(ctx context.Context, b *bot, id int64) error {
	f.msgsMu.Lock()
	ref, ok := f.msgs[id]
	f.msgsMu.Unlock()
	if !ok {
		return fmt.Errorf("fleet: no message known for file %d", id)
	}
	res, err := f.botMessages(ctx, b, ref.channelID, []tg.InputMessageClass{&tg.InputMessageID{ID: ref.msgID}})
	if err != nil {
		return err
	}
	f.learn(b, ref.channelID, res)
	if _, ok := b.location(id); !ok {
		return fmt.Errorf("fleet: message %d no longer holds file %d", ref.msgID, id)
	}
	return nil
}

// fetch makes the call on bot b and ends the call claim counted on it.
func (f *Fleet) fetch(ctx context.Context, b *bot, dc int, req *tg.UploadGetFileRequest, output bin.Decoder) error {
	defer b.inflight.Add(-1) // the call claim counted
	api, err := b.client.DC(ctx, dc)
	if err != nil {
		return err
	}
	return api.Invoker().Invoke(ctx, req, output)
}
