// Package repeatlimit keeps a stream of error reports readable during an
// outage: the same message (say, "connection refused" on every reconnect)
// goes through once, then at most once per interval with how often it
// recurred. The hot tier, the shipper and the writer's message queue share
// it, so that every report of cloudtap reads the same.
package repeatlimit

import (
	"fmt"
	"sync"
	"time"
)

// Limiter decides which reports go through. Its zero value is not usable;
// call New. Safe for concurrent use.
type Limiter struct {
	interval time.Duration

	mu      sync.Mutex
	last    string    // the last message let through
	lastAt  time.Time // when it was let through
	repeats int       // identical messages held back since
}

// New returns a Limiter that lets a repeated message through at most once
// per interval.
func New(interval time.Duration) *Limiter {
	return &Limiter{interval: interval}
}

// Pass says whether msg, reported at now, goes through, and with what
// text: the message itself the first time, then with the count of the
// repeats held back since.
func (l *Limiter) Pass(msg string, now time.Time) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if msg != l.last {
		l.last, l.lastAt, l.repeats = msg, now, 0
		return msg, true
	}
	l.repeats++
	if now.Sub(l.lastAt) < l.interval {
		return "", false
	}
	n := l.repeats
	l.lastAt, l.repeats = now, 0
	return fmt.Sprintf("%s (%d times in the last %v)", msg, n, l.interval), true
}
