package tgfake

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

// logIn authorizes the request's auth key as bot b: the answer to a
// successful auth.import*Authorization.
func (s *Server) logIn(req *tgtest.Request, b *bot) *tg.AuthAuthorization {
	s.mu.Lock()
	s.authorized[keyOf(req)] = true
	s.keyBot[keyOf(req)] = b.id
	s.mu.Unlock()
	return &tg.AuthAuthorization{User: b.user()}
}

func (s *Server) isAuthorized(req *tgtest.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorized[keyOf(req)]
}

// authImportBotAuthorization logs the connection's auth key in as the bot.
// Only the home DC accepts it; the others redirect there.
func (s *Server) authImportBotAuthorization(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.AuthImportBotAuthorizationRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	switch {
	case r.APIID != s.opts.APIID || subtle.ConstantTimeCompare([]byte(r.APIHash), []byte(s.opts.APIHash)) != 1:
		return nil, tgerr.New(400, "API_ID_INVALID")
	}
	b := s.botByToken(r.BotAuthToken)
	s.mu.Lock()
	revoked := b != nil && b.revoked
	s.mu.Unlock()
	switch {
	case b == nil || revoked:
		return nil, tgerr.New(400, "ACCESS_TOKEN_INVALID")
	case req.DC != s.opts.HomeDC:
		return nil, tgerr.New(303, fmt.Sprintf("USER_MIGRATE_%d", s.opts.HomeDC))
	}
	// A flooded login authorizes nothing: check before authorize.
	s.mu.Lock()
	now := time.Now()
	if flood := s.loginFloodLocked(b, now); flood != nil {
		s.mu.Unlock()
		return nil, flood
	}
	s.logins++
	b.loginTimes = append(b.loginTimes, now)
	s.mu.Unlock()
	return s.logIn(req, b), nil
}

// authExportAuthorization gives an authorized key random bytes that
// authorize a key on DC r.DCID.
func (s *Server) authExportAuthorization(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.AuthExportAuthorizationRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	if !s.isAuthorized(req) {
		return nil, errUnauthorized
	}
	if !s.hasDC(r.DCID) || r.DCID == req.DC {
		return nil, tgerr.New(400, "DC_ID_INVALID")
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	bot := s.botOf(req)
	s.mu.Lock()
	s.exported[string(b)] = r.DCID
	s.exportedBy[string(b)] = bot.id
	s.mu.Unlock()
	return &tg.AuthExportedAuthorization{ID: bot.id, Bytes: b}, nil
}

// authImportAuthorization authorizes the connection's key with bytes from
// auth.exportAuthorization made for this DC.
func (s *Server) authImportAuthorization(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.AuthImportAuthorizationRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	s.mu.Lock()
	dc, ok := s.exported[string(r.Bytes)]
	bot := s.bots[s.exportedBy[string(r.Bytes)]]
	s.mu.Unlock()
	if !ok || dc != req.DC || bot == nil || r.ID != bot.id {
		return nil, tgerr.New(400, "AUTH_BYTES_INVALID")
	}
	return s.logIn(req, bot), nil
}

// usersGetUsers knows the bots (client.Self asks for the caller).
func (s *Server) usersGetUsers(req *tgtest.Request) (bin.Encoder, error) {
	var r tg.UsersGetUsersRequest
	if err := r.Decode(req.Buf); err != nil {
		return nil, err
	}
	self := s.botOf(req)
	users := make([]tg.UserClass, 0, len(r.ID))
	for _, in := range r.ID {
		switch u := in.(type) {
		case *tg.InputUserSelf:
			users = append(users, self.user())
		case *tg.InputUser:
			if b := s.bots[u.UserID]; b != nil {
				users = append(users, b.user())
			} else {
				users = append(users, &tg.UserEmpty{ID: u.UserID})
			}
		default:
			return nil, tgerr.New(400, "USER_ID_INVALID")
		}
	}
	return &tg.UserClassVector{Elems: users}, nil
}
