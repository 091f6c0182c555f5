package config

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Tuning are the knobs of the range reader and the Telegram client. Zero
// means the default of the package that owns the knob (stream, telegram).
type Tuning struct {
	// Window is how many 1 MiB parts one stream keeps in flight (STREAM_WINDOW).
	Window int
	// ConnsPerDC is how many MTProto connections download from one DC (TG_CONNS_PER_DC).
	ConnsPerDC int
	// InFlightPerConn is how many upload.getFile calls each of those
	// connections carries at once (TG_INFLIGHT_PER_CONN).
	InFlightPerConn int
	// CacheTTL is how long a resolved message is kept (CACHE_TTL).
	CacheTTL time.Duration
	// CacheSize is how many resolved messages are kept (CACHE_SIZE).
	CacheSize int
	// BufferBudget is the memory all streams together may hold in prefetched parts (BUFFER_BUDGET_BYTES).
	BufferBudget int64
	// FloodWaitBudget: FLOOD_WAITs up to this long are waited out
	// (FLOOD_WAIT_BUDGET); negative: none is (FLOOD_WAIT_BUDGET=0).
	FloodWaitBudget time.Duration
	// RPCTimeout bounds one Telegram call (TG_RPC_TIMEOUT).
	RPCTimeout time.Duration
}

// HTTP are the settings of the web layer. Zero means the default of the
// package that owns the setting (cmd/server, web).
type HTTP struct {
	// Port the plain server listens on (PORT).
	Port int
	// MaxStreams is how many downloads run at once (MAX_STREAMS).
	MaxStreams int
	// CodeFailuresPerMinute per client IP before 429 (CODE_FAILURES_PER_MINUTE).
	CodeFailuresPerMinute int
}

var tuningVars = []Var{
	{Name: "STREAM_WINDOW", Parse: intIn(1, 64, func(c *Config) *int { return &c.Tuning.Window })},
	{Name: "TG_CONNS_PER_DC", Parse: intIn(1, 64, func(c *Config) *int { return &c.Tuning.ConnsPerDC })},
	{Name: "TG_INFLIGHT_PER_CONN", Parse: intIn(1, 16, func(c *Config) *int { return &c.Tuning.InFlightPerConn })},
	{Name: "CACHE_TTL", Parse: positiveDuration(func(c *Config) *time.Duration { return &c.Tuning.CacheTTL })},
	{Name: "CACHE_SIZE", Parse: intIn(1, 1<<20, func(c *Config) *int { return &c.Tuning.CacheSize })},
	{Name: "BUFFER_BUDGET_BYTES", Parse: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1<<20 {
			return errors.New("must be an integer of at least 1048576 (one part)")
		}
		c.Tuning.BufferBudget = n
		return nil
	}},
	{Name: "FLOOD_WAIT_BUDGET", Parse: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return errors.New("must be a duration such as 5s (0: wait for none)")
		}
		if d == 0 {
			d = -1 // zero is the client's default; negative waits for none
		}
		c.Tuning.FloodWaitBudget = d
		return nil
	}},
	{Name: "TG_RPC_TIMEOUT", Parse: positiveDuration(func(c *Config) *time.Duration { return &c.Tuning.RPCTimeout })},
}

var httpVars = []Var{
	{Name: "PORT", Parse: intIn(1, 65535, func(c *Config) *int { return &c.HTTP.Port })},
	{Name: "MAX_STREAMS", Parse: intIn(1, 100000, func(c *Config) *int { return &c.HTTP.MaxStreams })},
	{Name: "CODE_FAILURES_PER_MINUTE", Parse: intIn(1, 1000000, func(c *Config) *int { return &c.HTTP.CodeFailuresPerMinute })},
}

// intIn parses an integer from lo to hi into the field field returns.
func intIn(lo, hi int, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be an integer from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

// positiveDuration parses a Go duration above zero.
func positiveDuration(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a duration such as 30s or 10m")
		}
		*field(c) = d
		return nil
	}
}
