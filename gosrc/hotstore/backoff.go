package hotstore

import (
	"math/rand/v2"
	"time"
)

// backoff yields exponentially growing waits between min and max, with
// jitter so that many writers do not reconnect in lock step.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, next: min}
}

// wait returns the next delay and doubles the one after it.
func (b *backoff) wait() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	// Up to 25% less, never below min.
	jitter := time.Duration(rand.Int64N(int64(d)/4 + 1))
	return max(d-jitter, b.min)
}

// reset starts again from min after a success.
func (b *backoff) reset() { b.next = b.min }
