// Package tgfake is an in-process fake Telegram: a two-DC MTProto cluster
// (gotd's tgtest) holding one log channel with media, strict about the rules
// Telegram enforces (login before use, file references, FILE_MIGRATE,
// upload.getFile offset and limit alignment), with hooks that inject latency,
// errors, dropped connections and outages.
//
// A real gotd client talks to it over loopback TCP:
//
//	srv, err := tgfake.Start(ctx, tgfake.Options{})
//	...
//	defer srv.Close()
//	client := telegram.NewClient(tgfake.DefaultAPIID, tgfake.DefaultAPIHash, telegram.Options{
//		PublicKeys: srv.PublicKeys(), DCList: srv.DCList(), Resolver: srv.Resolver(),
//		DC: srv.HomeDC(), NoUpdates: true, SessionStorage: &session.StorageMemory{},
//	})
//
// A separate process gets the same settings from Server.Env.
package tgfake

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	gotdlog "github.com/gotd/log"
	"github.com/gotd/log/logslog"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
	"github.com/gotd/td/tgtest/cluster"
)

// Defaults for Options.
const (
	DefaultBotToken  = "123456:TESTTOKEN"
	DefaultAPIID     = 17349
	DefaultAPIHash   = "f0e1d2c3b4a5968778695a4b3c2d1e0f" // 32 hex digits, as my.telegram.org gives
	DefaultChannelID = 1234567890
	DefaultHomeDC    = 2
	DefaultOtherDC   = 4
)

// Options configure a fake Telegram. The zero value is ready to use.
type Options struct {
	HomeDC    int    // default 2
	OtherDC   int    // default 4 (a second DC where some files live)
	BotToken  string // default DefaultBotToken; another token → 400 ACCESS_TOKEN_INVALID
	APIID     int    // default DefaultAPIID; another → 400 API_ID_INVALID
	APIHash   string // default DefaultAPIHash; another → 400 API_ID_INVALID
	ChannelID int64  // default DefaultChannelID (LOG_CHANNEL_ID -100<ChannelID>)
	// Bots are more bot accounts besides BotToken (see Bot).
	Bots []Bot
	// Limits are Telegram's speed limits (see Limits); zero: none.
	Limits Limits
	// DuplicateWindow: one auth key used from two client addresses within
	// this long is killed (AUTH_KEY_DUPLICATED). Default 2s.
	DuplicateWindow time.Duration
	Logger          *slog.Logger
}

func (o *Options) setDefaults() {
	if o.HomeDC == 0 {
		o.HomeDC = DefaultHomeDC
	}
	if o.OtherDC == 0 {
		o.OtherDC = DefaultOtherDC
	}
	if o.BotToken == "" {
		o.BotToken = DefaultBotToken
	}
	if o.APIID == 0 {
		o.APIID = DefaultAPIID
	}
	if o.APIHash == "" {
		o.APIHash = DefaultAPIHash
	}
	if o.ChannelID == 0 {
		o.ChannelID = DefaultChannelID
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DuplicateWindow <= 0 {
		o.DuplicateWindow = DefaultDuplicateWindow
	}
}

// Server is a running fake Telegram. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	log     *slog.Logger
	cluster *cluster.Cluster
	proxies []*proxy // by DC id, ascending; set once in Start (under mu)

	botID             int64
	bots              map[int64]*bot // by user id; set in Start
	botOrder          []*bot         // BotToken first, then Options.Bots
	channelAccessHash int64
	handlers          map[uint32]handler
	noAuth            map[uint32]bool // methods callable before login

	// ctx ends with Close; delayed replies (latency, pause) watch it.
	ctx      context.Context
	cancel   context.CancelFunc
	stopUp   context.CancelFunc
	upDone   chan error
	replies  sync.WaitGroup
	closeErr error
	once     sync.Once

	mu         sync.Mutex
	messages   []*message // messages[i] has id i+1
	refGen     uint32     // current file_reference generation
	authorized map[authKey]bool
	exported   map[string]int   // exported authorization bytes → DC it is for
	exportedBy map[string]int64 // exported authorization bytes → bot user id
	latency    time.Duration
	// upload.getFile calls in flight now and at most (rpc.go).
	getFileInFlight, maxGetFileInFlight int

	pausedUntil time.Time
	unreachable bool
	fail        map[uint32]*injectedError
	drop        map[uint32]int
	calls       map[uint32]int
	fileBytes   int64 // bytes answered by upload.getFile
	logins      int
	keyBot      map[authKey]int64 // authorized key → bot user id
	lim         limiter
	// The duplicate-key rule (keys.go).
	dupWindow  time.Duration
	keyUse     map[authKey]map[string]time.Time // last packet per client address
	duplicated map[authKey]bool
	duplicates int
	// The login flood rule (per bot: bot.loginTimes).
	loginLimit  int
	loginWindow time.Duration
	loginFloods int
}

// authKey identifies an MTProto auth key on one DC.
type authKey struct {
	dc int
	id [8]byte
}

// keyOf is the auth key req came with.
func keyOf(req *tgtest.Request) authKey {
	return authKey{dc: req.DC, id: req.Session.AuthKey.ID}
}

type injectedError struct {
	err *tgerr.Error
	n   int
}

// Start brings the cluster up on 127.0.0.1 and returns once every DC accepts
// connections. ctx bounds the start only; the Server runs until Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	opts = s.opts
	var clusterLog gotdlog.Logger = gotdlog.Nop
	if opts.Logger.Enabled(ctx, slog.LevelDebug) {
		clusterLog = logslog.New(opts.Logger.With("component", "tgtest"))
	}
	s.cluster = cluster.NewCluster(cluster.Options{Logger: &fenceLogger{next: clusterLog}})
	for _, dc := range []int{opts.HomeDC, opts.OtherDC} {
		// Every request on every DC goes through s.onMessage first: the
		// cluster's own handlers (help.getConfig with the real listener
		// addresses) are only a fallback for methods the fake does not know.
		s.cluster.Dispatch(dc, "dc"+strconv.Itoa(dc)).Fallback(tgtest.HandlerFunc(s.onMessage))
	}

	upCtx, stopUp := context.WithCancel(context.Background())
	s.stopUp = stopUp
	go func() {
		// Owned by the Server: Close cancels upCtx and waits for upDone.
		s.upDone <- s.cluster.Up(upCtx)
	}()
	select {
	case <-s.cluster.Ready():
	case err := <-s.upDone:
		s.upDone <- err
		_ = s.Close()
		return nil, fmt.Errorf("tgfake: cluster: %w", err)
	case <-ctx.Done():
		_ = s.Close()
		return nil, fmt.Errorf("tgfake: start: %w", ctx.Err())
	}

	listeners := s.cluster.List().Options
	sort.Slice(listeners, func(i, j int) bool { return listeners[i].ID < listeners[j].ID })
	var proxies []*proxy
	for _, o := range listeners {
		p, err := newProxy(o.ID, net.JoinHostPort(o.IPAddress, strconv.Itoa(o.Port)), s.log, s.observeKey)
		if err != nil {
			for _, p := range proxies {
				p.close()
			}
			_ = s.Close()
			return nil, fmt.Errorf("tgfake: proxy for DC %d: %w", o.ID, err)
		}
		proxies = append(proxies, p)
	}
	s.mu.Lock()
	s.proxies = proxies
	s.mu.Unlock()
	s.log.Info("tgfake: started", "home_dc", opts.HomeDC, "other_dc", opts.OtherDC, "dc_list", s.dcListEnv())
	return s, nil
}

// newServer is a Server's state: the channel, the bots, the rules and the
// hooks, with no way in yet (Start adds MTProto, NewMemory nothing).
func newServer(opts Options) (*Server, error) {
	opts.setDefaults()
	if opts.HomeDC == opts.OtherDC {
		return nil, fmt.Errorf("tgfake: HomeDC and OtherDC are both %d", opts.HomeDC)
	}
	botID, err := botIDFromToken(opts.BotToken)
	if err != nil {
		return nil, err
	}
	bots, botOrder, err := newBots(opts, botID)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:              opts,
		log:               opts.Logger,
		botID:             botID,
		bots:              bots,
		botOrder:          botOrder,
		keyBot:            map[authKey]int64{},
		lim:               newLimiter(opts.Limits),
		channelAccessHash: int64(mix64(uint64(opts.ChannelID)^0x5eed) >> 1),
		upDone:            make(chan error, 1),
		authorized:        map[authKey]bool{},
		exported:          map[string]int{},
		exportedBy:        map[string]int64{},
		fail:              map[uint32]*injectedError{},
		drop:              map[uint32]int{},
		calls:             map[uint32]int{},
		dupWindow:         opts.DuplicateWindow,
		keyUse:            map[authKey]map[string]time.Time{},
		duplicated:        map[authKey]bool{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.registerHandlers()
	return s, nil
}

func botIDFromToken(token string) (int64, error) {
	idPart, _, ok := strings.Cut(token, ":")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0, errors.New("tgfake: BotToken must look like <bot id>:<secret>")
	}
	return id, nil
}

// Close stops the cluster, the proxies and every goroutine the Server started.
// Clients still connected see their connections closed.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.cancel()
		for _, p := range s.proxyList() {
			p.close()
		}
		if s.stopUp != nil {
			s.stopUp()
			// io.EOF: tgtest's accept loop reads each connection's first
			// byte, and the proxies closed above may drop a relay whose
			// first bytes were still on the way.
			if err := <-s.upDone; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
				s.closeErr = fmt.Errorf("tgfake: cluster: %w", err)
			}
		}
		s.replies.Wait()
	})
	return s.closeErr
}

// PublicKeys are the RSA keys of every DC, for telegram.Options.PublicKeys.
func (s *Server) PublicKeys() []telegram.PublicKey {
	return append([]telegram.PublicKey(nil), s.cluster.Keys()...)
}

// PublicKeysPEM is PublicKeys as PKCS#1 "RSA PUBLIC KEY" PEM blocks.
func (s *Server) PublicKeysPEM() []byte {
	var out []byte
	for _, k := range s.cluster.Keys() {
		out = append(out, pem.EncodeToMemory(&pem.Block{
			Type:  "RSA PUBLIC KEY",
			Bytes: x509.MarshalPKCS1PublicKey(k.RSA),
		})...)
	}
	return out
}

// DCList is the address of every DC (through the Server's proxies), for
// telegram.Options.DCList.
func (s *Server) DCList() dcs.List {
	return dcs.List{Options: s.dcOptions()}
}

// Resolver is the dialer for DCList, for telegram.Options.Resolver.
func (s *Server) Resolver() dcs.Resolver { return s.cluster.Resolver() }

// HomeDC is the DC the bot account lives on, for telegram.Options.DC.
func (s *Server) HomeDC() int { return s.opts.HomeDC }

// OtherDC is the second DC, where some files live.
func (s *Server) OtherDC() int { return s.opts.OtherDC }

func (s *Server) proxyList() []*proxy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proxies
}

func (s *Server) hasDC(dc int) bool { return dc == s.opts.HomeDC || dc == s.opts.OtherDC }

func (s *Server) dcOptions() []tg.DCOption {
	var opts []tg.DCOption
	for _, p := range s.proxyList() {
		a := p.addr()
		opts = append(opts, tg.DCOption{
			ID:        p.dc,
			IPAddress: a.IP.String(),
			Port:      a.Port,
			Static:    true,
		})
	}
	return opts
}

func (s *Server) dcListEnv() string {
	var parts []string
	for _, o := range s.dcOptions() {
		parts = append(parts, fmt.Sprintf("%d=%s:%d", o.ID, o.IPAddress, o.Port))
	}
	return strings.Join(parts, ",")
}

// Env is the client configuration as environment variables, for a separate
// process: API_ID, API_HASH, BOT_TOKEN, LOG_CHANNEL_ID (-100<id>), TG_DC_LIST
// ("2=127.0.0.1:port,4=127.0.0.1:port"), TG_DC and TG_PUBLIC_KEYS, the path of
// a PEM file with the public keys that Env writes into dir. With Options.Bots
// it also sets BOT_TOKENS (every token, BOT_TOKEN first).
func (s *Server) Env(dir string) (map[string]string, error) {
	// One file per running Server: its home DC's port names it.
	path := filepath.Join(dir, fmt.Sprintf("tgfake-%d-public-keys.pem", s.DCList().Options[0].Port))
	if err := os.WriteFile(path, s.PublicKeysPEM(), 0o644); err != nil {
		return nil, fmt.Errorf("tgfake: write public keys: %w", err)
	}
	env := map[string]string{
		"API_ID":         strconv.Itoa(s.opts.APIID),
		"API_HASH":       s.opts.APIHash,
		"BOT_TOKEN":      s.opts.BotToken,
		"LOG_CHANNEL_ID": "-100" + strconv.FormatInt(s.opts.ChannelID, 10),
		"TG_DC_LIST":     s.dcListEnv(),
		"TG_DC":          strconv.Itoa(s.opts.HomeDC),
		"TG_PUBLIC_KEYS": path,
	}
	if len(s.botOrder) > 1 {
		env["BOT_TOKENS"] = strings.Join(s.BotTokens(), ",")
	}
	return env, nil
}

// AddMessage posts a message with caption and media m (nil: text only) to the
// log channel and returns its id: 1, 2, 3, … It panics if m names an unknown
// Kind, has no Content, or lives on a DC the fake does not have.
func (s *Server) AddMessage(caption string, m *Media) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := len(s.messages) + 1
	msg := &message{id: id, caption: caption, date: dateBase.Add(time.Duration(id) * time.Minute)}
	if m != nil {
		msg.file = s.newFile(id, m)
	}
	s.messages = append(s.messages, msg)
	return id
}

// DeleteMessage deletes message id: channels.getMessages answers messageEmpty
// for it and its file's references stop working (FILE_REFERENCE_EXPIRED).
func (s *Server) DeleteMessage(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.messageLocked(id); m != nil {
		m.deleted = true
	}
}

func (s *Server) messageLocked(id int) *message {
	if id < 1 || id > len(s.messages) || s.messages[id-1].deleted {
		return nil
	}
	return s.messages[id-1]
}

// SetLatency adds d to every upload.getFile answer. Calls wait concurrently,
// also several on one connection, as on Telegram.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// FailNext makes the next n calls of method (a tg.*RequestTypeID) answer err.
func (s *Server) FailNext(method uint32, err *tgerr.Error, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 || err == nil {
		delete(s.fail, method)
		return
	}
	s.fail[method] = &injectedError{err: err, n: n}
}

// DropNext makes the next n calls of method close the connection they arrive
// on instead of answering; the client reconnects.
func (s *Server) DropNext(method uint32, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.drop, method)
		return
	}
	s.drop[method] = n
}

// ExpireFileReferences gives every file a new file_reference; the old ones
// answer 400 FILE_REFERENCE_EXPIRED.
func (s *Server) ExpireFileReferences() {
	s.mu.Lock()
	s.refGen++
	s.mu.Unlock()
}

// SetReachable(false) cuts every DC off: open connections are reset and new
// ones are closed at once, as when Telegram is down. SetReachable(true) lets
// clients connect again.
func (s *Server) SetReachable(ok bool) {
	s.mu.Lock()
	s.unreachable = !ok // for in-memory calls (memory.go)
	s.mu.Unlock()
	for _, p := range s.proxyList() {
		p.setReachable(ok)
	}
}

// Pause freezes the server for d: requests arriving before the end of the
// pause are answered only after it, as a process frozen between serverless
// invocations sees it.
func (s *Server) Pause(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until := time.Now().Add(d); until.After(s.pausedUntil) {
		s.pausedUntil = until
	}
}

// Calls reports how many times method (a tg.*RequestTypeID) was called, on
// all DCs, since Start or the last ResetCalls. Injected failures count.
func (s *Server) Calls(method uint32) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// ResetCalls sets every call counter to zero: FileBytes, BotStats and ConnStats too.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	clear(s.calls)
	s.fileBytes = 0
	s.maxGetFileInFlight = s.getFileInFlight
	s.lim.resetStatsLocked()
	s.mu.Unlock()
}

// FileBytes reports the bytes upload.getFile has answered with (counted
// when the answer is made, before any injected latency), since Start or
// the last ResetCalls.
func (s *Server) FileBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fileBytes
}

// MaxGetFileInFlight reports the most upload.getFile calls that were in
// flight at once (arrived, not yet answered; over every DC and connection)
// since Start or the last ResetCalls: how parallel the clients' downloads
// were, whatever the machine's speed.
func (s *Server) MaxGetFileInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxGetFileInFlight
}

// Logins reports the successful auth.importBotAuthorization calls.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}
