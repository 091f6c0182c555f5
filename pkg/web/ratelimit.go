package web

import (
	"strconv"
	"time"

	"github.com/filetolink/filetolink/pkg/fixedwindow"
)

// guessLimiter stops code guessing and the Telegram calls it costs, without
// locking out people who hold a right link. It keeps two budgets of
// failures per window:
//
//   - per link, (client, message id): missing and wrong codes for one
//     message. At the limit every request for that message from that
//     client gets 429 before its code is looked at: guessing that
//     message's code stops. Links to other messages still work.
//   - per client: every failure (missing or wrong code, unknown id), at
//     perClientFactor times the limit. Beyond it a request gets 429 before
//     any Telegram call, unless its message is cached and its code right:
//     a client spraying ids or codes stops costing Telegram calls, and a
//     neighbour behind the same NAT with a working link to a message that
//     is being downloaded still gets it.
//
// The trade-off: someone behind the same address as a guesser, holding the
// right link to the very message being guessed, is locked out of it until
// the window ends; and a locked-out client's right link to a message
// nobody fetched in the last CacheTTL waits for the window too.
type guessLimiter struct {
	perLink   *fixedwindow.Counter[string]
	perClient *fixedwindow.Counter[string]
}

// perClientFactor is how many more failures a client may have in all
// than for one message.
const perClientFactor = 2

func newGuessLimiter(limit int, window time.Duration, now func() time.Time) *guessLimiter {
	return &guessLimiter{
		perLink:   fixedwindow.New[string](limit, window, now),
		perClient: fixedwindow.New[string](perClientFactor*limit, window, now),
	}
}

func linkKey(client string, id int) string { return client + "#" + strconv.Itoa(id) }

// linkBlocked reports whether client may not try codes for message id now.
func (g *guessLimiter) linkBlocked(client string, id int) (time.Duration, bool) {
	return g.perLink.Blocked(linkKey(client, id))
}

// clientBlocked reports whether client's failures in all are at the limit.
func (g *guessLimiter) clientBlocked(client string) (time.Duration, bool) {
	return g.perClient.Blocked(client)
}

// wrongCode counts a missing or wrong code for message id.
func (g *guessLimiter) wrongCode(client string, id int) {
	g.perLink.Add(linkKey(client, id))
	g.perClient.Add(client)
}

// miss counts a lookup of a message that is not there.
func (g *guessLimiter) miss(client string) { g.perClient.Add(client) }
