package hotstore

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestErrLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newErrLimiter(30 * time.Second)
	l.now = func() time.Time { return now }
	refused := errors.New("connect to redis: connection refused")

	msg, ok := l.pass(refused)
	assert.True(t, ok, "the first occurrence is logged")
	assert.Equal(t, refused.Error(), msg)
	for i := 0; i < 5; i++ {
		now = now.Add(time.Second)
		_, ok = l.pass(refused)
		assert.False(t, ok, "repeats within the interval are held back")
	}
	now = now.Add(30 * time.Second)
	msg, ok = l.pass(refused)
	assert.True(t, ok)
	assert.Equal(t, refused.Error()+" (6 times in the last 30s)", msg)

	other := errors.New("io timeout")
	_, ok = l.pass(other)
	assert.True(t, ok, "a different error is logged at once")

	drop := &DropError{Path: "conn", Dropped: 3, Err: ErrBufferFull}
	for i := 0; i < 3; i++ {
		_, ok = l.pass(drop)
		assert.True(t, ok, "every drop is logged: it is a loss")
	}
}
