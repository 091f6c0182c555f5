package tgfake

// What the fake Bot API (package botapifake) does to the log channel: it
// shares this Server's messages, as the Bot API and MTProto share
// Telegram's.

// HasMessage reports whether message id exists (and is not deleted).
func (s *Server) HasMessage(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messageLocked(id) != nil
}

// SetCaption replaces the caption of message id; false if there is none.
func (s *Server) SetCaption(id int, caption string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messageLocked(id)
	if m == nil {
		return false
	}
	m.caption = caption
	return true
}

// DemoVideo is the demo catalog's video (AddDemo's first item).
func DemoVideo() Media {
	return Media{Kind: KindVideo, Name: "testsrc.mp4", MIMEType: "video/mp4",
		Content: Bytes(sampleVideo), Width: 320, Height: 180, Duration: 10}
}
