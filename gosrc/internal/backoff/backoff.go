// Package backoff is cloudtap's one retry pacing: exponentially growing
// waits between a minimum and a maximum, with jitter so that many writers
// or shippers do not reconnect in lock step. The hot tier's reconnects and
// the cold tier's retries both use it.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff yields the waits of one retry loop. Not safe for concurrent use:
// each loop has its own.
type Backoff struct {
	min, max, next time.Duration
}

// New starts at min and doubles up to max.
func New(min, max time.Duration) *Backoff { return &Backoff{min: min, max: max, next: min} }

// Wait returns the next delay, up to 25% less than the nominal one but
// never below min, and doubles the one after it.
func (b *Backoff) Wait() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	jitter := time.Duration(rand.Int64N(int64(d)/4 + 1))
	return max(d-jitter, b.min)
}

// Reset starts again from min after a success.
func (b *Backoff) Reset() { b.next = b.min }

// Sleep waits d or until ctx ends; it reports whether the full wait
// passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
