package tgclient

import "github.com/gotd/td/tg"

// Policies wraps inv, a connection to DC dc, in the policies every call of
// a Client goes through (chain: flood waits within FloodWaitBudget, the
// DC's getFile pacing, RPCTimeout per attempt), for a caller that reaches
// Telegram another way: the service's tests over the fake in memory.
func Policies(inv tg.Invoker, dc int, opts Options) tg.Invoker {
	opts.setDefaults()
	return chain(inv, opts, newRates(opts).dc(dc))
}
