package app_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine the service, the fake Telegram and the tests start has
// stopped when the package's tests end: Close stops them all, also after
// outages, dropped connections and broken downloads.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
