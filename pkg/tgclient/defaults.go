package tgclient

import "time"

// Defaults of Options when they are zero.
const (
	// DefaultRPCTimeout is Options.RPCTimeout when it is zero.
	DefaultRPCTimeout = 15 * time.Second
	// DefaultFloodWaitBudget is Options.FloodWaitBudget when it is zero.
	DefaultFloodWaitBudget = 5 * time.Second
)
