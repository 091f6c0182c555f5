package tgclient

import "github.com/filetolink/filetolink/pkg/bottoken"

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
	s := Status{BotID: bottoken.ID(c.opts.BotToken), Connected: c.Connected(), DCs: c.rates.status()}
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
