package tgfake

import "github.com/gotd/td/tgerr"

// The operator's mistakes a deployment makes, for the diagnostics tests.

var errChannelPrivate = tgerr.New(400, "CHANNEL_PRIVATE")

// RevokeBotToken is /revoke in @BotFather: every authorization of the bot
// ends (the next call answers 401 AUTH_KEY_UNREGISTERED) and the token is
// refused from now on (400 ACCESS_TOKEN_INVALID).
func (s *Server) RevokeBotToken() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
	clear(s.authorized)
}

// SetBotInChannel(false) removes the bot from the log channel: calls on it
// answer 400 CHANNEL_PRIVATE. SetBotInChannel(true) adds it back.
func (s *Server) SetBotInChannel(member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notMember = !member
}

// channelStanding is the error a call on the log channel gets because of the
// bot's standing, or nil.
func (s *Server) channelStanding() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notMember {
		return errChannelPrivate
	}
	return nil
}

func (s *Server) tokenRevoked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revoked
}
