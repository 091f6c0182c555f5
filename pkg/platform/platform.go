// Package platform decides which deployment this process is (plain server,
// Vercel, Lambda streaming, Lambda buffered) and what that deployment allows.
package platform

import "time"

// Profile is what one deployment allows a response to be.
type Profile struct {
	// Name: "server", "vercel", "lambda-stream" or "lambda-buffered".
	Name string
	// MaxResponseBytes caps one response body; 0 means unlimited.
	MaxResponseBytes int64
	// RequestTimeout bounds one request when the platform gives no deadline; 0 means none.
	RequestTimeout time.Duration
}
