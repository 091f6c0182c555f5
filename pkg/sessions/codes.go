package sessions

import (
	"strings"
)

// The store keeps codes, never words: anyone who can write to a shared
// Redis could otherwise put a message of their choosing on the status page,
// /healthz and 503 bodies. Each code is shown as a fixed text of this
// file; a code it does not know is shown as a fixed generic text.

// BlockFloodWait is the login block of a FLOOD_WAIT answered to
// auth.importBotAuthorization (BlockLogins).
const BlockFloodWait = "flood_wait_login"

var blockTexts = map[string]string{
	BlockFloodWait: "FLOOD_WAIT on auth.importBotAuthorization",
}

// BlockText is the text shown for a login block code.
func BlockText(code string) string {
	if t, ok := blockTexts[code]; ok {
		return t
	}
	return "a block recorded in the store"
}

// authErrors are the Telegram errors a login can meet that the status
// page names; they are shown as Telegram spells them.
var authErrors = map[string]bool{
	"AUTH_KEY_UNREGISTERED": true, "AUTH_KEY_INVALID": true, "AUTH_KEY_DUPLICATED": true, "AUTH_KEY_PERM_EMPTY": true,
	"SESSION_REVOKED": true, "SESSION_EXPIRED": true, "USER_DEACTIVATED": true, "USER_DEACTIVATED_BAN": true,
	"ACCESS_TOKEN_INVALID": true, "ACCESS_TOKEN_EXPIRED": true, "BOT_TOKEN_INVALID": true,
	"API_ID_INVALID": true, "API_ID_PUBLISHED_FLOOD": true, "API_HASH_INVALID": true,
	"FLOOD_WAIT": true, "FLOOD_PREMIUM_WAIT": true,
}

// authErrorOther stands for an auth error not in authErrors.
const authErrorOther = "other"

// AuthErrorCode is the code kept for a Telegram error type or message
// ("FLOOD_WAIT_30" is FLOOD_WAIT): itself if known, else authErrorOther.
func AuthErrorCode(msg string) string {
	if authErrors[msg] {
		return msg
	}
	if i := strings.LastIndexByte(msg, '_'); i > 0 && isDigits(msg[i+1:]) && authErrors[msg[:i]] {
		return msg[:i]
	}
	return authErrorOther
}

// AuthErrorText is the text shown for an auth error code.
func AuthErrorText(code string) string {
	if authErrors[code] {
		return code
	}
	return "another Telegram error"
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// redisErrorCodes are the error prefixes of Redis that a status line may
// name (the rest of a Redis error message is the server's words).
var redisErrorCodes = map[string]bool{
	"ERR": true, "NOSCRIPT": true, "WRONGTYPE": true, "NOAUTH": true, "WRONGPASS": true, "NOPERM": true,
	"LOADING": true, "READONLY": true, "BUSY": true, "MOVED": true, "ASK": true, "CLUSTERDOWN": true,
	"TRYAGAIN": true, "MASTERDOWN": true, "OOM": true, "EXECABORT": true, "NOREPLICAS": true, "MISCONF": true,
}

// redisErrorText is a Redis error reply as a status line may show it: its
// code if it is a known one.
func redisErrorText(msg string) string {
	code, _, _ := strings.Cut(msg, " ")
	if redisErrorCodes[code] {
		return "redis: " + code
	}
	return "redis: error"
}
