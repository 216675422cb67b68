package coldstore

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// reporter hands recovered-from errors to Config.OnError, or logs them
// with slog, the same message at most once per interval with a count, so
// that a long outage does not flood the log.
type reporter struct {
	onError  func(error)
	interval time.Duration

	mu      sync.Mutex
	last    string
	lastAt  time.Time
	repeats int
}

func newReporter(onError func(error)) *reporter {
	return &reporter{onError: onError, interval: 30 * time.Second}
}

func (r *reporter) report(err error) {
	if r.onError != nil {
		r.onError(err)
		return
	}
	if msg, ok := r.pass(err.Error(), time.Now()); ok {
		slog.Error(msg)
	}
}

func (r *reporter) pass(msg string, now time.Time) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if msg != r.last {
		r.last, r.lastAt, r.repeats = msg, now, 0
		return msg, true
	}
	r.repeats++
	if now.Sub(r.lastAt) < r.interval {
		return "", false
	}
	n := r.repeats
	r.lastAt, r.repeats = now, 0
	return fmt.Sprintf("%s (%d times in the last %v)", msg, n, r.interval), true
}
