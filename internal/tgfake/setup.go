package tgfake

// The operator's mistakes a deployment makes, for the diagnostics tests.
// They concern the first bot (Options.BotToken); RevokeBot and Bot.NotInChannel
// do the same for any bot.

// RevokeBotToken is /revoke in @BotFather for the first bot: every
// authorization of the bot ends (the next call answers 401
// AUTH_KEY_UNREGISTERED) and the token is refused from now on (400
// ACCESS_TOKEN_INVALID).
func (s *Server) RevokeBotToken() { s.RevokeBot(s.opts.BotToken) }

// SetBotInChannel(false) removes the first bot from the log channel: calls
// on it answer 400 CHANNEL_PRIVATE. SetBotInChannel(true) adds it back.
func (s *Server) SetBotInChannel(member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botOrder[0].notInChannel = !member
}
