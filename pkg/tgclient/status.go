package tgclient

import (
	"strconv"
	"strings"
)

// Status is what one bot's client did, for /healthz and the status page.
// It holds no secret: the bot's user id is public (the digits before the
// colon of its token).
type Status struct {
	BotID     int64 `json:"botId"`
	Connected bool  `json:"connected"`
	// Parts, Bytes and FloodWaits add up DCs.
	Parts      int64 `json:"parts"`
	Bytes      int64 `json:"bytes"`
	FloodWaits int64 `json:"floodWaits"`
	// Rate is the lowest upload.getFile rate allowed now over the DCs used
	// (the configured one before any download; 0: not paced).
	Rate float64    `json:"rate"`
	DCs  []DCStatus `json:"dcs"`
	// OutOfRotation says why the bot serves no parts now ("": it does);
	// set by whoever rotates bots.
	OutOfRotation string `json:"outOfRotation,omitempty"`
}

// Status reports the client's counters and current rates.
func (c *Client) Status() Status {
	s := Status{BotID: BotID(c.opts.BotToken), Connected: c.Connected(), DCs: c.rates.status()}
	if c.opts.Rate > 0 {
		s.Rate = c.opts.Rate
	}
	for i, d := range s.DCs {
		s.Parts += d.Parts
		s.Bytes += d.Bytes
		s.FloodWaits += d.FloodWaits
		if i == 0 || d.Rate < s.Rate {
			s.Rate = d.Rate
		}
	}
	return s
}

// BotID is the user id of a bot token ("123456:ABC" → 123456), 0 if the
// token does not start with one.
func BotID(token string) int64 {
	idPart, _, ok := strings.Cut(token, ":")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0
	}
	return id
}
