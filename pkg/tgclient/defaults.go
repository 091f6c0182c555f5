package tgclient

import "time"

// DefaultRPCTimeout is Options.RPCTimeout when it is zero.
const DefaultRPCTimeout = 15 * time.Second
