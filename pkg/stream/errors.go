package stream

import (
	"errors"
	"fmt"
	"time"
)

// Errors callers tell apart with errors.Is / errors.As.
var (
	// ErrMessageNotFound: the log channel has no message with that id.
	ErrMessageNotFound = errors.New("message not found")
	// ErrNoMedia: the message exists but holds nothing downloadable.
	ErrNoMedia = errors.New("message has no downloadable media")
	// ErrChannelUnreachable: the log channel cannot be read (bot not a member, wrong id).
	ErrChannelUnreachable = errors.New("log channel not reachable")
	// ErrUnavailable: Telegram cannot be reached or keeps failing.
	ErrUnavailable = errors.New("telegram unavailable")
	// ErrBusy: the prefetch-buffer budget is spent; try again shortly.
	ErrBusy = errors.New("server busy")
	// ErrShortRead: Telegram returned fewer bytes than the file holds.
	ErrShortRead = errors.New("telegram returned fewer bytes than expected")
	// ErrMigrateLoop: Telegram kept answering FILE_MIGRATE for one stream.
	// It is an ErrUnavailable.
	ErrMigrateLoop = fmt.Errorf("%w: FILE_MIGRATE loop", ErrUnavailable)
	// ErrRange: first..last is not inside the file.
	ErrRange = errors.New("range outside the file")
)

// FloodWaitError is Telegram's FLOOD_WAIT beyond what we wait out ourselves.
type FloodWaitError struct {
	Wait time.Duration
}

func (e *FloodWaitError) Error() string {
	return fmt.Sprintf("telegram asks to wait %s", e.Wait)
}

// ErrUnsupportedMedia: the message holds media this service cannot serve
// (paid media, stories).
var ErrUnsupportedMedia = errors.New("unsupported media")
