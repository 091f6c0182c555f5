// Package bottoken owns the grammar of a Telegram bot token
// ("123456:ABC-def"): whether a string is one, and the bot's user id in it.
// The id is public (it is the bot's user id); the rest is the secret.
package bottoken

import (
	"regexp"
	"strconv"
	"strings"
)

var pattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// Valid reports whether token looks like a bot token: digits, a colon, and
// letters, digits, '_' or '-'.
func Valid(token string) bool { return pattern.MatchString(token) }

// ID is the user id of a bot token ("123456:ABC" → 123456), 0 if the token
// does not start with one.
func ID(token string) int64 {
	idPart, _, ok := strings.Cut(token, ":")
	if !ok || idPart == "" || strings.Trim(idPart, "0123456789") != "" {
		return 0 // ParseInt alone would take a sign
	}
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}
