package tgfake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

// handler decodes one request and computes its answer: a result, or an error
// that is a *tgerr.Error (sent as rpc_error). It must decode req.Buf before
// returning (tgtest reuses it) and must not send anything itself: onMessage
// sends, now or after the injected delay.
type handler func(req *tgtest.Request) (bin.Encoder, error)

// errDropped, returned to tgtest, makes it close the connection.
var errDropped = errors.New("tgfake: connection dropped on purpose")

// Errors every method can answer.
var (
	errUnauthorized = tgerr.New(401, "AUTH_KEY_UNREGISTERED")
	errBadRequest   = tgerr.New(400, "INPUT_REQUEST_INVALID")
)

func (s *Server) registerHandlers() {
	s.handlers = map[uint32]handler{
		tg.HelpGetConfigRequestTypeID:              s.helpGetConfig,
		tg.AuthImportBotAuthorizationRequestTypeID: s.authImportBotAuthorization,
		tg.AuthExportAuthorizationRequestTypeID:    s.authExportAuthorization,
		tg.AuthImportAuthorizationRequestTypeID:    s.authImportAuthorization,
		tg.ChannelsGetChannelsRequestTypeID:        s.channelsGetChannels,
		tg.ChannelsGetMessagesRequestTypeID:        s.channelsGetMessages,
		tg.UploadGetFileRequestTypeID:              s.uploadGetFile,
		tg.UsersGetUsersRequestTypeID:              s.usersGetUsers,
	}
	// As on Telegram, help.getConfig, help.getCDNConfig and the auth.*
	// namespace work before login; everything else needs an authorized key.
	s.noAuth = map[uint32]bool{
		tg.HelpGetConfigRequestTypeID:    true,
		tg.HelpGetCDNConfigRequestTypeID: true,
	}
	for id, name := range typeNames() {
		if strings.HasPrefix(name, "auth.") {
			s.noAuth[id] = true
		}
	}
}

// onMessage is the first handler of every request on every DC (tgtest has
// already unwrapped invokeWithLayer / initConnection / invokeWithoutUpdates).
// It sends judge's answer at once or, under latency or a pause, from a
// goroutine so that other requests on the same connection are not held up.
func (s *Server) onMessage(srv *tgtest.Server, req *tgtest.Request) error {
	v, err := s.judge(req)
	if err != nil {
		return err
	}
	if v.drop {
		v.finish()
		return errDropped
	}
	if v.unknown {
		// Not something the fake implements: the cluster answers (help.getCDNConfig,
		// or 400 INPUT_METHOD_INVALID for the rest), synchronously.
		defer v.finish()
		if !s.sleep(v.delay) {
			return nil
		}
		return s.cluster.Common().OnMessage(srv, req)
	}
	// finish runs before the answer leaves: a client may send its next
	// call as soon as it has the answer.
	if v.delay <= 0 {
		v.finish()
		return s.send(srv, req, v.result, v.err)
	}
	s.replies.Add(1)
	go func() {
		// Owned by the Server: Close cancels s.ctx and waits on s.replies.
		defer s.replies.Done()
		ok := s.sleep(v.delay)
		v.finish()
		if !ok {
			return
		}
		if sendErr := s.send(srv, req, v.result, v.err); sendErr != nil {
			s.log.Debug("tgfake: delayed reply not sent", "dc", req.DC, "method", methodName(v.id), "err", sendErr)
		}
	}()
	return nil
}

// verdict is the fake's answer to one request, over MTProto or in memory.
type verdict struct {
	id     uint32
	result bin.Encoder
	err    error // a *tgerr.Error, or nil
	// delay is how long the answer waits (pause, latency, bandwidth).
	delay time.Duration
	// finish ends the call's count in flight, just before the answer leaves.
	finish func()
	// drop: close the connection instead of answering.
	drop bool
	// unknown: a method the fake does not implement.
	unknown bool
}

// judge counts the call, applies the injected faults and the login rule,
// and computes the answer of a request and when to send it.
func (s *Server) judge(req *tgtest.Request) (verdict, error) {
	id, err := req.Buf.PeekID()
	if err != nil {
		return verdict{}, err
	}
	v := verdict{id: id}

	s.mu.Lock()
	s.calls[id]++
	v.drop = s.drop[id] > 0
	if v.drop {
		s.drop[id]--
	}
	var injected *tgerr.Error
	if f := s.fail[id]; f != nil && !v.drop {
		injected = f.err
		if f.n--; f.n <= 0 {
			delete(s.fail, id)
		}
	}
	v.delay = time.Until(s.pausedUntil)
	if id == tg.UploadGetFileRequestTypeID {
		v.delay = max(v.delay, 0) + s.latency
	}
	v.finish = func() {}
	if id == tg.UploadGetFileRequestTypeID {
		v.finish = s.enterGetFileLocked(req)
	}
	caller := s.botOfLocked(req) // nil: its bot was revoked
	authorized := s.noAuth[id] || (s.authorized[keyOf(req)] && caller != nil)
	dead := s.keyDeadLocked(req.DC, req.Session.AuthKey.ID) // AUTH_KEY_DUPLICATED (keys.go)
	if injected == nil && !v.drop && !dead && authorized && id == tg.UploadGetFileRequestTypeID {
		injected = s.lim.takeLocked(caller, time.Now()) // the per-bot rate (Limits)
	}
	s.mu.Unlock()

	if v.drop {
		s.log.Debug("tgfake: dropping connection", "dc", req.DC, "method", methodName(id))
		return v, nil
	}

	h, known := s.handlers[id]
	switch {
	case injected != nil:
		err = injected
	case dead:
		err = errDuplicated
	case !authorized:
		err = errUnauthorized
	case !known:
		v.unknown = true
		return v, nil
	default:
		v.result, err = h(req)
	}
	if err != nil {
		var rpcErr *tgerr.Error
		if !errors.As(err, &rpcErr) {
			s.log.Warn("tgfake: bad request", "dc", req.DC, "method", methodName(id), "err", err)
			rpcErr = errBadRequest
		}
		v.result = nil
		v.err = rpcErr
	}
	if v.err == nil && id == tg.UploadGetFileRequestTypeID {
		v.delay = s.shape(req, v.result, v.delay) // counters and the per-connection bandwidth (Limits)
	}
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		outcome := "ok"
		if v.err != nil {
			outcome = v.err.(*tgerr.Error).Message
		}
		s.log.Debug("tgfake: rpc", "dc", req.DC, "method", methodName(id), "result", outcome, "delay", max(v.delay, 0))
	}
	return v, nil
}

// enterGetFileLocked counts an upload.getFile call in flight (from its
// arrival to its answer, latency included); the func it returns ends it.
func (s *Server) enterGetFileLocked(req *tgtest.Request) func() {
	s.getFileInFlight++
	s.maxGetFileInFlight = max(s.maxGetFileInFlight, s.getFileInFlight)
	c := s.connLocked(req)
	c.inFlight++
	c.stats.MaxInFlight = max(c.stats.MaxInFlight, c.inFlight)
	return func() {
		s.mu.Lock()
		s.getFileInFlight--
		c.inFlight--
		s.mu.Unlock()
	}
}

func (s *Server) send(srv *tgtest.Server, req *tgtest.Request, result bin.Encoder, err error) error {
	if err != nil {
		return srv.SendErr(req, err.(*tgerr.Error))
	}
	return srv.SendResult(req, result)
}

// sleep waits d; false if the Server closed meanwhile.
func (s *Server) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// typeNames maps type ids to TL names, for logs.
var typeNames = sync.OnceValue(tg.TypesMap)

func methodName(id uint32) string {
	if name, ok := typeNames()[id]; ok {
		return name
	}
	return fmt.Sprintf("%#x", id)
}

// helpGetConfig answers with the proxies' addresses, so connections a client
// opens from the config (client.DC, pools) go through them too.
func (s *Server) helpGetConfig(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.HelpGetConfigRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	now := time.Now()
	return &tg.Config{
		Date:             int(now.Unix()),
		Expires:          int(now.Add(time.Hour).Unix()),
		ThisDC:           req.DC,
		DCOptions:        s.dcOptions(),
		DCTxtDomainName:  "localhost",
		ChatSizeMax:      200,
		MegagroupSizeMax: 200000,
		CaptionLengthMax: 1024,
		MessageLengthMax: 4096,
		MeURLPrefix:      "https://t.me/",
		WebfileDCID:      s.opts.HomeDC,
	}, nil
}
