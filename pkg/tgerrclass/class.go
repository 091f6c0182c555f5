// Package tgerrclass owns what a Telegram RPC error means to this project:
// Of maps an error to one class of a small closed set, and every package
// that reacts to Telegram (tgclient's recovery and login, the fleet's
// rotation, the core's typed errors and health) decides by that class.
// gotd's tgerr is the primitive; this package only knows Telegram, nothing
// of HTTP or of the callers' policies.
package tgerrclass

import "github.com/gotd/td/tgerr"

// Class is what an error tells a caller to do.
type Class string

const (
	// None: no error.
	None Class = ""
	// Unknown: not an RPC error, or one without a rule here. Callers
	// retry within their own bounds, then report Telegram unavailable.
	Unknown Class = "unknown"
	// Retry: Telegram failed on its side (5xx, the -503 timeout); the same
	// call may work in a moment. Callers treat it like Unknown.
	Retry Class = "retry"
	// FloodWait: wait the seconds tgerr.AsFloodWait tells before calling
	// again (FLOOD_WAIT_n, FLOOD_PREMIUM_WAIT_n).
	FloodWait Class = "flood_wait"
	// Migrate: the object lives in another DC; MigrateTo tells which
	// (FILE_MIGRATE_n, USER_MIGRATE_n, …).
	Migrate Class = "migrate"
	// FileReference: the file reference is stale; read the message again
	// for a fresh one.
	FileReference Class = "file_reference"
	// KeyRejected: Telegram takes no calls on this auth key any more
	// (logged out, expired); log in again, or take another session.
	KeyRejected Class = "key_rejected"
	// KeyDuplicated: the auth key was used from two places at once; it
	// stays dead: a new key, not a new login on it.
	KeyDuplicated Class = "key_duplicated"
	// TokenRefused: the bot token is wrong or revoked, or the bot account
	// is gone; only a new BOT_TOKEN helps.
	TokenRefused Class = "token_refused"
	// Credentials: Telegram refused API_ID / API_HASH.
	Credentials Class = "credentials"
	// ChannelDenied: the channel exists but this bot may not read it (not
	// a member or admin, removed, banned).
	ChannelDenied Class = "channel_denied"
	// ChannelUnknown: this bot knows no such channel (wrong id, or a
	// stale access hash).
	ChannelUnknown Class = "channel_unknown"
	// MessageMissing: the channel has no such message.
	MessageMissing Class = "message_missing"
	// BadRequest: the request itself is wrong (offset, limit, location);
	// the same call will fail again.
	BadRequest Class = "bad_request"
)

// byType is the class of every error type with a rule, by tgerr's Type
// (the message without its numeric argument).
var byType = map[string]Class{
	tgerr.ErrFloodWait:        FloodWait,
	tgerr.ErrPremiumFloodWait: FloodWait,

	"FILE_MIGRATE": Migrate,
	"USER_MIGRATE": Migrate,

	"FILE_REFERENCE_EXPIRED": FileReference,
	"FILE_REFERENCE_INVALID": FileReference,

	"AUTH_KEY_UNREGISTERED": KeyRejected,
	"AUTH_KEY_INVALID":      KeyRejected,
	"SESSION_REVOKED":       KeyRejected,
	"SESSION_EXPIRED":       KeyRejected,
	"AUTH_KEY_DUPLICATED":   KeyDuplicated,

	"ACCESS_TOKEN_INVALID": TokenRefused,
	"ACCESS_TOKEN_EXPIRED": TokenRefused,
	"BOT_TOKEN_INVALID":    TokenRefused,
	"USER_DEACTIVATED":     TokenRefused,
	"USER_DEACTIVATED_BAN": TokenRefused,

	"API_ID_INVALID":         Credentials,
	"API_ID_PUBLISHED_FLOOD": Credentials,
	"API_HASH_INVALID":       Credentials,

	"CHANNEL_PRIVATE":         ChannelDenied,
	"CHAT_ADMIN_REQUIRED":     ChannelDenied,
	"CHANNEL_PUBLIC_GROUP_NA": ChannelDenied,
	"CHANNEL_INVALID":         ChannelUnknown,
	"PEER_ID_INVALID":         ChannelUnknown,

	"MSG_ID_INVALID":    MessageMissing,
	"MESSAGE_IDS_EMPTY": MessageMissing,

	"OFFSET_INVALID":   BadRequest,
	"LIMIT_INVALID":    BadRequest,
	"FILE_ID_INVALID":  BadRequest,
	"LOCATION_INVALID": BadRequest,
}

// Of is the class of err, looking through wrapping.
func Of(err error) Class {
	if err == nil {
		return None
	}
	rpc, ok := tgerr.As(err)
	if !ok {
		return Unknown
	}
	if c, ok := byType[rpc.Type]; ok {
		return c
	}
	if rpc.Code >= 500 || rpc.Code < 0 {
		return Retry
	}
	return Unknown
}

// KeyDead: the auth key the call went over is no use any more
// (KeyRejected or KeyDuplicated).
func (c Class) KeyDead() bool { return c == KeyRejected || c == KeyDuplicated }

// Channel: the log channel cannot be read by this bot (ChannelDenied or
// ChannelUnknown); a cached access hash for it may be stale.
func (c Class) Channel() bool { return c == ChannelDenied || c == ChannelUnknown }

// Login: a login with these settings will keep failing (TokenRefused or
// Credentials).
func (c Class) Login() bool { return c == TokenRefused || c == Credentials }

// MigrateTo is the DC a Migrate error points to; ok is false for any other
// error, or one without a DC.
func MigrateTo(err error) (dc int, ok bool) {
	rpc, isRPC := tgerr.As(err)
	if !isRPC || byType[rpc.Type] != Migrate || rpc.Argument <= 0 {
		return 0, false
	}
	return rpc.Argument, true
}
