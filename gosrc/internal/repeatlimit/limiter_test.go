package repeatlimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRepeatsAreHeldBackThenCounted(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(30 * time.Second)
	const refused = "connect to redis: connection refused"

	msg, ok := l.Pass(refused, now)
	assert.True(t, ok, "the first occurrence goes through")
	assert.Equal(t, refused, msg)
	for range 5 {
		now = now.Add(time.Second)
		_, ok = l.Pass(refused, now)
		assert.False(t, ok, "repeats within the interval are held back")
	}
	now = now.Add(30 * time.Second)
	msg, ok = l.Pass(refused, now)
	assert.True(t, ok)
	assert.Equal(t, refused+" (6 times in the last 30s)", msg)

	now = now.Add(time.Second)
	_, ok = l.Pass(refused, now)
	assert.False(t, ok, "the count starts again after it was reported")

	msg, ok = l.Pass("io timeout", now)
	assert.True(t, ok, "a different message goes through at once")
	assert.Equal(t, "io timeout", msg)
	msg, ok = l.Pass(refused, now)
	assert.True(t, ok, "and the first one, back again, is new")
	assert.Equal(t, refused, msg)
}
