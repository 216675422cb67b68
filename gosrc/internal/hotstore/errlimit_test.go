package hotstore

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The repeat rule itself is tested in package repeatlimit; here, that the
// hot tier applies it to delivery errors and never to drops.
func TestErrLimiterHoldsBackRepeatedErrorsButNeverDrops(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newErrLimiter(30 * time.Second)
	l.now = func() time.Time { return now }
	refused := errors.New("connect to redis: connection refused")

	msg, ok := l.pass(refused)
	assert.True(t, ok, "the first occurrence is logged")
	assert.Equal(t, refused.Error(), msg)
	now = now.Add(time.Second)
	_, ok = l.pass(refused)
	assert.False(t, ok, "a repeat within the interval is held back")

	drop := &DropError{Path: "conn", Dropped: 3, Err: ErrBufferFull}
	for range 3 {
		msg, ok = l.pass(drop)
		assert.True(t, ok, "every drop is logged: it is a loss")
		assert.Equal(t, drop.Error(), msg)
	}
}
