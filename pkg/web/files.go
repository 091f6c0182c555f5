package web

import (
	"context"
	"io"

	"github.com/filetolink/filetolink/pkg/stream"
)

// Files is what the HTTP layer needs from the stream core. *stream.Service
// implements it; small unit tests may use an in-memory one.
type Files interface {
	// Resolve describes the media of log-channel message id. Errors are the
	// typed ones from package stream (ErrMessageNotFound, ErrNoMedia,
	// *stream.FloodWaitError, ErrUnavailable, ErrBusy, ...), possibly wrapped.
	Resolve(ctx context.Context, messageID int) (*stream.File, error)
	// Open yields exactly bytes first..last (inclusive) of f.
	Open(ctx context.Context, f *stream.File, first, last int64) (io.ReadCloser, error)
	// Connected reports whether the Telegram client is logged in right now.
	Connected() bool
	// Health tells what is known of the setup (credentials, channel,
	// reachability); it may probe Telegram briefly, bounded by ctx.
	Health(ctx context.Context) stream.Health
}
