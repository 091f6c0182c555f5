package tgfake

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

// Limits are the speed limits Telegram puts on file downloads, as the fake
// enforces them on upload.getFile. A zero field means no limit. Latency is
// a separate knob (SetLatency) and adds to both.
type Limits struct {
	// ConnBandwidth is how many bytes per second one MTProto connection
	// receives in upload.getFile answers (Telegram: a few MB/s per
	// connection). Answers on one connection leave one after another:
	// an answer of n bytes is sent n/ConnBandwidth after the previous one on
	// that connection was, or after it is ready, whichever is later.
	ConnBandwidth int64
	// BotRate is how many upload.getFile calls per second one bot may make
	// on average, over all its connections and DCs; BotBurst is how many it
	// may make at once (default 1 when BotRate is set). A call beyond that
	// is answered 420 FLOOD_WAIT_X, X being the whole seconds (at least 1)
	// until the bot's next call fits.
	BotRate  float64
	BotBurst int
}

func (l Limits) normalized() Limits {
	if l.ConnBandwidth < 0 {
		l.ConnBandwidth = 0
	}
	if l.BotRate < 0 || math.IsNaN(l.BotRate) || math.IsInf(l.BotRate, 0) {
		l.BotRate = 0
	}
	if l.BotRate > 0 && l.BotBurst < 1 {
		l.BotBurst = 1
	}
	return l
}

// BotStats are one bot's upload.getFile counters.
type BotStats struct {
	// Parts is the upload.getFile answers with bytes sent to the bot.
	Parts int
	// Bytes is the bytes in them.
	Bytes int64
	// FloodWaits is how many calls the rate limit (Limits.BotRate) refused.
	FloodWaits int
}

// ConnStats are one MTProto connection's upload.getFile counters. A
// connection is one MTProto session (auth key and session id) on one DC:
// what a client opens per TCP connection.
type ConnStats struct {
	DC    int
	BotID int64 // 0: not logged in
	Parts int
	Bytes int64
	// MaxInFlight is the most upload.getFile calls that were in flight on
	// the connection at once (from arrival to answer, latency included).
	MaxInFlight int
	// With Limits.ConnBandwidth set: First is when the connection began
	// sending its first answer, Last when it finished its last, and Idle
	// the time between them it sent nothing (no answer was ready). Busy
	// fraction = 1 - Idle/(Last-First).
	First, Last time.Time
	Idle        time.Duration
}

// limiter holds the limits and their state; the Server's mu guards it.
type limiter struct {
	limits  Limits
	buckets map[int64]*bucket // by bot id
	bots    map[int64]*BotStats
	conns   map[connKey]*connState
}

type connKey struct {
	dc      int
	key     [8]byte
	session int64
}

type connState struct {
	stats     ConnStats
	busyUntil time.Time // when the last answer has left
	inFlight  int       // upload.getFile calls arrived and not yet answered
}

func connKeyOf(req *tgtest.Request) connKey {
	return connKey{dc: req.DC, key: req.Session.AuthKey.ID, session: req.Session.ID}
}

// connLocked is req's connection's state, made on first use.
func (s *Server) connLocked(req *tgtest.Request) *connState {
	k := connKeyOf(req)
	c := s.lim.conns[k]
	if c == nil {
		c = &connState{stats: ConnStats{DC: req.DC}}
		s.lim.conns[k] = c
	}
	return c
}

// MaxInFlightPerConn reports the most upload.getFile calls that were in
// flight at once on any one connection since Start or the last ResetCalls.
func (s *Server) MaxInFlightPerConn() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.lim.conns {
		n = max(n, c.stats.MaxInFlight)
	}
	return n
}

// bucket is a token bucket: tokens refill at Limits.BotRate per second up
// to Limits.BotBurst.
type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(l Limits) limiter {
	return limiter{
		limits:  l.normalized(),
		buckets: map[int64]*bucket{},
		bots:    map[int64]*BotStats{},
		conns:   map[connKey]*connState{},
	}
}

// SetLimits replaces the speed limits; every bot starts again with a full
// burst.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lim.limits = l.normalized()
	clear(s.lim.buckets)
}

// BotStats reports the counters of the bot with token since Start or the
// last ResetCalls.
func (s *Server) BotStats(token string) BotStats {
	b := s.botByToken(token)
	if b == nil {
		return BotStats{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.lim.bots[b.id]; st != nil {
		return *st
	}
	return BotStats{}
}

// ConnStats reports every connection that was sent upload.getFile bytes
// since Start or the last ResetCalls, by DC, then bot, then most bytes.
func (s *Server) ConnStats() []ConnStats {
	s.mu.Lock()
	out := make([]ConnStats, 0, len(s.lim.conns))
	for _, c := range s.lim.conns {
		out = append(out, c.stats)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.DC != b.DC {
			return a.DC < b.DC
		}
		if a.BotID != b.BotID {
			return a.BotID < b.BotID
		}
		return a.Bytes > b.Bytes
	})
	return out
}

func (l *limiter) resetStatsLocked() {
	clear(l.bots)
	clear(l.conns)
}

func (l *limiter) botStatsLocked(id int64) *BotStats {
	st := l.bots[id]
	if st == nil {
		st = &BotStats{}
		l.bots[id] = st
	}
	return st
}

// takeLocked spends one of bot b's tokens for an upload.getFile call, or
// returns the FLOOD_WAIT that refuses it.
func (l *limiter) takeLocked(b *bot, now time.Time) *tgerr.Error {
	rate, burst := l.limits.BotRate, float64(l.limits.BotBurst)
	if rate <= 0 || b == nil {
		return nil
	}
	bk := l.buckets[b.id]
	if bk == nil {
		bk = &bucket{tokens: burst, at: now}
		l.buckets[b.id] = bk
	}
	if elapsed := now.Sub(bk.at).Seconds(); elapsed > 0 {
		bk.tokens = min(burst, bk.tokens+elapsed*rate)
	}
	bk.at = now
	if bk.tokens >= 1 {
		bk.tokens--
		return nil
	}
	l.botStatsLocked(b.id).FloodWaits++
	wait := max(1, int(math.Ceil((1-bk.tokens)/rate)))
	return tgerr.New(420, fmt.Sprintf("FLOOD_WAIT_%d", wait))
}

// shape counts an upload.getFile answer and returns the delay after which
// it is sent: delay (pause and latency), then its turn on the connection
// at Limits.ConnBandwidth.
func (s *Server) shape(req *tgtest.Request, result bin.Encoder, delay time.Duration) time.Duration {
	f, ok := result.(*tg.UploadFile)
	if !ok {
		return delay
	}
	n := int64(len(f.Bytes))
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var botID int64
	if b := s.botOfLocked(req); b != nil {
		botID = b.id
	}
	c := s.connLocked(req)
	c.stats.BotID = botID
	c.stats.Parts++
	c.stats.Bytes += n
	st := s.lim.botStatsLocked(botID)
	st.Parts++
	st.Bytes += n

	bw := s.lim.limits.ConnBandwidth
	if bw <= 0 {
		return delay
	}
	start := now.Add(max(delay, 0))
	switch {
	case c.busyUntil.After(start):
		start = c.busyUntil
	case c.stats.First.IsZero():
		c.stats.First = start
	default:
		c.stats.Idle += start.Sub(c.busyUntil)
	}
	c.busyUntil = start.Add(time.Duration(float64(n) / float64(bw) * float64(time.Second)))
	c.stats.Last = c.busyUntil
	return c.busyUntil.Sub(now)
}
