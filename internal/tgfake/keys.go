package tgfake

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	gotdlog "github.com/gotd/log"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tgerr"
)

// Telegram kills an auth key that two places use at once (406
// AUTH_KEY_DUPLICATED, for good). The fake tells places apart by the
// client's real address as its proxy sees it: in-process test instances
// dial from their own loopback address (Host), as separate machines
// would. One key used from two addresses within Options.DuplicateWindow of
// each other is dead: every later call on it answers AUTH_KEY_DUPLICATED.
// Using a key from one address after another stopped (a handover after a
// quiet period) is fine, as on Telegram.

// DefaultDuplicateWindow is Options.DuplicateWindow's default.
const DefaultDuplicateWindow = 2 * time.Second

var errDuplicated = tgerr.New(406, "AUTH_KEY_DUPLICATED")

// forward copies the client's bytes after the first four (tag, already
// sent) to the server, reading the MTProto intermediate framing on the way
// (tag 0xeeeeeeee or 0xdddddddd, then packets of a 4-byte little-endian
// length and a payload that starts with the auth key id) to tell observe
// which key each packet uses. Other transports are copied without looking.
func (p *proxy) forward(dst io.Writer, r *bufio.Reader, addr net.Addr, tag []byte) error {
	from, _, _ := net.SplitHostPort(addr.String())
	if t := binary.LittleEndian.Uint32(tag); t != 0xeeeeeeee && t != 0xdddddddd {
		_, err := io.Copy(dst, r)
		return err
	}
	var hdr [4]byte
	plain := 0 // unencrypted packets (key exchange) of this connection
	var endExchange func()
	defer func() {
		if endExchange != nil {
			endExchange()
		}
	}()
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return err
		}
		n := int64(binary.LittleEndian.Uint32(hdr[:]) & 0x7fffffff) // the top bit asks for a quick ack
		var key [8]byte
		if n >= 8 {
			head, err := r.Peek(8)
			if err != nil {
				return err
			}
			copy(key[:], head)
			if key != ([8]byte{}) && p.observe != nil {
				p.observe(p.dc, key, from)
			}
		}
		if key == ([8]byte{}) {
			if plain++; plain == 3 && endExchange == nil {
				endExchange = p.holdForKey()
			}
		} else if endExchange != nil {
			endExchange()
			endExchange = nil
		}
		unlock := func() {}
		if endExchange == nil {
			p.exchange.RLock()
			unlock = p.exchange.RUnlock
		}
		_, err := dst.Write(hdr[:])
		if err == nil {
			_, err = io.CopyN(dst, r, n)
		}
		unlock()
		if err != nil {
			return err
		}
	}
}

// holdForKey keeps every other connection's packets from the server while
// a key exchange's last step (set_client_DH_params, the third unencrypted
// packet) is answered, until its client's first encrypted packet or at
// most keyHold; the returned func ends it. gotd's tgtest (v0.162.0) stores
// a new key under one mutex while every RPC looks keys up under another,
// a data race the race detector reports when the two meet; keeping them
// apart here, and letting packets already sent reach their lookup first,
// is the fake's way around it.
func (p *proxy) holdForKey() func() {
	p.exchange.Lock()
	time.Sleep(keySettle)
	var once sync.Once
	end := func() { once.Do(p.exchange.Unlock) }
	t := time.AfterFunc(keyHold, end)
	return func() {
		t.Stop()
		end()
	}
}

// fenceLogger is tgtest's logger: every record, written or not, passes a
// mutex, which orders what tgtest did before it against what it does
// after a later record in another goroutine. tgtest logs "Got request"
// after each packet's key lookup, and its key exchange logs "Sending
// DhGenOk" just before the new key is stored; so a lookup that came
// before the exchange's last step (holdForKey lets those through first)
// happens before the store for the race detector too, as it does in time.
type fenceLogger struct {
	mu   sync.Mutex
	next gotdlog.Logger
}

func (l *fenceLogger) Enabled(ctx context.Context, level gotdlog.Level) bool {
	l.fence()
	return l.next.Enabled(ctx, level)
}

func (l *fenceLogger) Log(ctx context.Context, level gotdlog.Level, msg string, attrs ...gotdlog.Attr) {
	l.fence()
	if l.next.Enabled(ctx, level) {
		l.next.Log(ctx, level, msg, attrs...)
	}
}

func (l *fenceLogger) fence() {
	l.mu.Lock()
	//lint:ignore SA2001 the empty critical section is the point: a happens-before edge
	l.mu.Unlock()
}

// keySettle is how long packets already sent get to reach tgtest's key
// lookup before a key is stored; keyHold bounds how long one exchange can
// hold the others.
const (
	keySettle = 50 * time.Millisecond
	keyHold   = 3 * time.Second
)

// observeKey applies the duplicate rule to one packet.
func (s *Server) observeKey(dc int, id [8]byte, from string) {
	now := time.Now()
	k := authKey{dc: dc, id: id}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.keyUse[k]
	if seen == nil {
		seen = map[string]time.Time{}
		s.keyUse[k] = seen
	}
	for addr, t := range seen {
		if addr != from && now.Sub(t) < s.dupWindow && !s.duplicated[k] {
			s.duplicated[k] = true
			s.duplicates++
			s.log.Warn("tgfake: auth key used from two addresses at once", "dc", dc, "addresses", addr+" "+from)
		}
	}
	seen[from] = now
}

// DuplicateKeyEvents reports how many auth keys were killed for being used
// from two addresses at once.
func (s *Server) DuplicateKeyEvents() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.duplicates
}

// RevokeAuthorizations ends every authorization of every bot, as when
// Telegram drops the bots' sessions (SESSION_REVOKED, a reset): calls on
// the keys answer 401 AUTH_KEY_UNREGISTERED until they log in again, and
// the tokens stay valid. RevokeBot/RevokeBotToken differ: the token itself
// is revoked, so logging in again fails too (400 ACCESS_TOKEN_INVALID).
func (s *Server) RevokeAuthorizations() {
	s.mu.Lock()
	clear(s.authorized)
	s.mu.Unlock()
}

// SetLoginLimit makes auth.importBotAuthorization answer FLOOD_WAIT once n
// logins of one bot succeeded within window (n <= 0: no limit), as Telegram
// does to a bot that logs in too often. Each bot is counted on its own.
func (s *Server) SetLoginLimit(n int, window time.Duration) {
	s.mu.Lock()
	s.loginLimit, s.loginWindow = n, window
	s.mu.Unlock()
}

// LoginFloods reports the logins refused with FLOOD_WAIT, every bot's.
func (s *Server) LoginFloods() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loginFloods
}

// loginFloodLocked returns the FLOOD_WAIT for a login of b now, or nil.
func (s *Server) loginFloodLocked(b *bot, now time.Time) *tgerr.Error {
	if s.loginLimit <= 0 {
		return nil
	}
	kept := b.loginTimes[:0]
	for _, t := range b.loginTimes {
		if now.Sub(t) < s.loginWindow {
			kept = append(kept, t)
		}
	}
	b.loginTimes = kept
	if len(kept) < s.loginLimit {
		return nil
	}
	s.loginFloods++
	wait := int(kept[0].Add(s.loginWindow).Sub(now).Seconds()) + 1
	return tgerr.New(420, "FLOOD_WAIT_"+strconv.Itoa(wait))
}

// ResolverWith dials the DCs with dial, such as a Host's, so that the
// fake sees the connections come from that host's address.
func (s *Server) ResolverWith(dial dcs.DialFunc) dcs.Resolver {
	return dcs.Plain(dcs.PlainOptions{Dial: dial})
}

// requestRejectedLocked: a call on a dead key.
func (s *Server) keyDeadLocked(dc int, id [8]byte) bool {
	return s.duplicated[authKey{dc: dc, id: id}]
}
