package app_test

import (
	"flag"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

// defaultParallel is how many tests of this package run at once unless
// -parallel says otherwise. Most of their time is waiting: on Telegram's
// pauses and RPC timeouts, lease expiries, reconnections, Redis restarts;
// what they compute is bounded apart (siteSlots, loginSlots). The default of
// -parallel (GOMAXPROCS: 2 on the CI machine) would leave the CPU idle.
const defaultParallel = 3

// Every goroutine the service, the fake Telegram and the tests start has
// stopped when the package's tests end: Close stops them all, also after
// outages, dropped connections and broken downloads.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if p := flag.Lookup("test.parallel"); !set && p != nil {
		if err := p.Value.Set(strconv.Itoa(defaultParallel)); err != nil {
			panic(err)
		}
	}
	goleak.VerifyTestMain(m)
}
