package app_test

import (
	"flag"
	"testing"

	"go.uber.org/goleak"
)

// defaultParallel is -parallel for this package unless the command line
// sets it. Its tests mostly wait — on Telegram's pauses, RPC timeouts,
// reconnection backoffs, leases expiring — while their CPU (key
// exchanges, MTProto) is bounded by siteSlots and loginSlots; with
// GOMAXPROCS (2 on the CI machine) at once, the cores idle a third of the
// time.
const defaultParallel = "4"

// Every goroutine the service, the fake Telegram and the tests start has
// stopped when the package's tests end: Close stops them all, also after
// outages, dropped connections and broken downloads.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", defaultParallel); err != nil {
			panic(err)
		}
	}
	goleak.VerifyTestMain(m)
}
