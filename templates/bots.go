package templates

// Bot is one Telegram bot's row on the status page and in /healthz. It
// holds no secret: a bot's user id is public.
type Bot struct {
	ID        int64 `json:"id"`
	Connected bool  `json:"connected"`
	// Parts and Bytes are the file parts the bot fetched and their bytes.
	Parts int64 `json:"parts"`
	Bytes int64 `json:"bytes"`
	// FloodWaits is how many of its calls Telegram answered FLOOD_WAIT.
	FloodWaits int64 `json:"floodWaits"`
	// Rate is the file-part requests per second it may make now.
	Rate float64 `json:"rate"`
	// OutOfRotation says why the bot serves no parts now ("": it does).
	OutOfRotation string `json:"outOfRotation,omitempty"`
}
