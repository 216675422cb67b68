package hotstore

import (
	"testing"

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
	n, _ := b.tryTake(recs(10, 10, 10))
	assert.Equal(t, 3, n)
	// 2 records of room left, 70 bytes: the 60-byte record fits, the
	// 20-byte one after it does not (bytes), and nothing after a misfit
	// is taken even if it would fit.
	n, _ = b.tryTake(recs(60, 20, 1))
	assert.Equal(t, 1, n)
	used, size := b.used()
	assert.Equal(t, 4, used)
	assert.Equal(t, int64(90), size)

	b.release(4, 90)
	used, size = b.used()
	assert.Zero(t, used)
	assert.Zero(t, size)
	n, _ = b.tryTake(recs(101))
	assert.Equal(t, 0, n, "a record larger than the whole bound never fits")
}

func TestBudgetSignalsReleasedRoom(t *testing.T) {
	b := newBudget(2, 1000)
	n, _ := b.tryTake(recs(1, 1))
	assert.Equal(t, 2, n)
	n, freed := b.tryTake(recs(1))
	assert.Equal(t, 0, n)
	select {
	case <-freed:
		t.Fatal("signalled before any release")
	default:
	}
	b.release(1, 1)
	<-freed // closed by the release; a missed signal would hang here
	n, _ = b.tryTake(recs(1))
	assert.Equal(t, 1, n)
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
