package hotstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func recs(sizes ...int) [][]byte {
	out := make([][]byte, len(sizes))
	for i, n := range sizes {
		out[i] = make([]byte, n)
	}
	return out
}

func TestBudgetTakesTheLongestPrefixThatFits(t *testing.T) {
	b := newBudget(5, 100)
	assert.Equal(t, 3, b.take(recs(10, 10, 10), 0))
	// 2 records of room left, 70 bytes: the 60-byte record fits, the
	// 20-byte one after it does not (bytes), and nothing after a misfit
	// is taken even if it would fit.
	assert.Equal(t, 1, b.take(recs(60, 20, 1), 0))
	n, size := b.used()
	assert.Equal(t, 4, n)
	assert.Equal(t, int64(90), size)

	b.release(4, 90)
	n, size = b.used()
	assert.Zero(t, n)
	assert.Zero(t, size)
	assert.Equal(t, 0, b.take(recs(101), 0), "a record larger than the whole bound never fits")
}

func TestBudgetWaitsForReleasedRoom(t *testing.T) {
	b := newBudget(2, 1000)
	assert.Equal(t, 2, b.take(recs(1, 1), 0))
	go func() {
		time.Sleep(10 * time.Millisecond)
		b.release(2, 2)
	}()
	// The wait is long enough for the release to come first on any machine.
	assert.Equal(t, 2, b.take(recs(1, 1), time.Minute))
}

func TestQueuePopsInOrderWithinBounds(t *testing.T) {
	q := newQueue()
	in := [][]byte{[]byte("aaaa"), []byte("bb"), []byte("cccccc"), []byte("d"), []byte("e")}
	q.push(in)

	got, size := q.pop(10, 6)
	assert.Equal(t, in[:2], got, "stops before the byte bound")
	assert.Equal(t, int64(6), size)
	got, _ = q.pop(10, 1)
	assert.Equal(t, in[2:3], got, "the first record is taken even when larger than the bound")
	got, _ = q.pop(1, 100)
	assert.Equal(t, in[3:4], got, "record bound")
	assert.Equal(t, 1, q.len())
	assert.Equal(t, in[4:], q.drain())
	got, _ = q.pop(10, 100)
	assert.Empty(t, got)
}

func TestBackoffGrowsToItsMaximum(t *testing.T) {
	bo := newBackoff(10*time.Millisecond, 80*time.Millisecond)
	var waits []time.Duration
	for range 6 {
		waits = append(waits, bo.wait())
	}
	for i, w := range waits {
		assert.GreaterOrEqual(t, w, 10*time.Millisecond, "wait %d", i)
		assert.LessOrEqual(t, w, 80*time.Millisecond, "wait %d", i)
	}
	assert.Greater(t, waits[4], waits[0], "waits grow")
	bo.reset()
	assert.LessOrEqual(t, bo.wait(), 10*time.Millisecond)
}
