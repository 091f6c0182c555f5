package bot

import (
	"time"

	"github.com/filetolink/filetolink/pkg/fixedwindow"
)

// limiter allows each user n actions per fixed window.
type limiter struct {
	now     func() time.Time
	counter *fixedwindow.Counter[int64]
}

func newLimiter(n int, window time.Duration) *limiter {
	l := &limiter{now: time.Now}
	l.counter = fixedwindow.New[int64](n, window, func() time.Time { return l.now() })
	return l
}

// allow counts one action of user; if the user has none left it returns
// false and how long until the window ends.
func (l *limiter) allow(user int64) (bool, time.Duration) { return l.counter.Allow(user) }
