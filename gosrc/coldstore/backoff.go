package coldstore

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff yields exponentially growing waits between min and max, with
// jitter so that many shippers do not retry in lock step.
type backoff struct {
	min, max, next time.Duration
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max, next: min} }

// wait returns the next delay and doubles the one after it.
func (b *backoff) wait() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	jitter := time.Duration(rand.Int64N(int64(d)/4 + 1)) // up to 25% less
	return max(d-jitter, b.min)
}

// reset starts again from min after a success.
func (b *backoff) reset() { b.next = b.min }

// sleep waits d or until ctx ends; it reports whether the full wait
// passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
