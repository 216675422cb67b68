package repeatlimit

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	assert.Equal(t, refused+" (5 more times in the last 30s)", msg)

	now = now.Add(time.Second)
	_, ok = l.Pass(refused, now)
	assert.False(t, ok, "the count starts again after it was reported")

	msg, ok = l.Pass("io timeout", now)
	assert.True(t, ok, "a different message goes through at once")
	assert.Equal(t, "io timeout", msg)
}

// TestInterleavedMessagesAreEachHeldBack: an outage seen by several log
// paths at once repeats a few messages in turn; each is held back on its
// own, not let through again because another came in between.
func TestInterleavedMessagesAreEachHeldBack(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(30 * time.Second)
	paths := []string{"conn", "dns", "http", "reporter"}
	passed := map[string]int{}
	for range 20 {
		for _, p := range paths {
			if _, ok := l.Pass("path "+p+": connection refused", now); ok {
				passed[p]++
			}
		}
		now = now.Add(time.Second)
	}
	for _, p := range paths {
		assert.Equal(t, 1, passed[p], "path %s: once within the interval", p)
	}
	now = now.Add(30 * time.Second)
	msg, ok := l.Pass("path dns: connection refused", now)
	require.True(t, ok)
	assert.Equal(t, "path dns: connection refused (19 more times in the last 30s)", msg)
}

func TestAMessageQuietForAnIntervalIsNewAgain(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(30 * time.Second)
	_, ok := l.Pass("refused", now)
	require.True(t, ok)
	msg, ok := l.Pass("refused", now.Add(31*time.Second))
	assert.True(t, ok)
	assert.Equal(t, "refused", msg, "no repeats were held back: nothing to count")
}

// TestManyDistinctMessagesStayBounded: past maxTracked distinct messages the
// oldest is forgotten, so it goes through again (too many reports rather
// than too few), and the memory stays bounded.
func TestManyDistinctMessagesStayBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(30 * time.Second)
	for i := range maxTracked + 10 {
		_, ok := l.Pass(fmt.Sprintf("message %d", i), now.Add(time.Duration(i)*time.Millisecond))
		require.True(t, ok)
	}
	assert.LessOrEqual(t, len(l.seen), maxTracked)
	_, ok := l.Pass("message 0", now.Add(time.Second))
	assert.True(t, ok, "forgotten, so new again")
	_, ok = l.Pass(fmt.Sprintf("message %d", maxTracked+9), now.Add(time.Second))
	assert.False(t, ok, "the latest is still remembered")
}
