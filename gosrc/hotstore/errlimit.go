package hotstore

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// errLimiter keeps the default error log readable during an outage: the
// same delivery error (say, "connection refused" on every reconnect) is
// logged once, then at most once per interval with how often it recurred.
// Drops are losses and always pass.
type errLimiter struct {
	mu       sync.Mutex
	interval time.Duration
	now      func() time.Time
	last     string    // message of the last error let through
	lastAt   time.Time // when it was let through
	repeats  int       // identical errors held back since
}

func newErrLimiter(interval time.Duration) *errLimiter {
	return &errLimiter{interval: interval, now: time.Now}
}

// pass says whether err should be logged now, and with what text.
func (l *errLimiter) pass(err error) (string, bool) {
	msg := err.Error()
	var drop *DropError
	if errors.As(err, &drop) {
		return msg, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	if msg != l.last {
		l.last, l.lastAt, l.repeats = msg, t, 0
		return msg, true
	}
	l.repeats++
	if t.Sub(l.lastAt) < l.interval {
		return "", false
	}
	n := l.repeats
	l.lastAt, l.repeats = t, 0
	return fmt.Sprintf("%s (%d times in the last %v)", msg, n, l.interval), true
}
