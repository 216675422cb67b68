package hotstore

import (
	"testing"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A resend of a batch Redis already applied (its reply was lost with the
// connection) must not store the records again, in every mode that stores.
func TestResentBatchIsStoredOnce(t *testing.T) {
	for _, mode := range []Mode{ModeStream, ModeList} {
		t.Run(string(mode), func(t *testing.T) {
			srv := redistest.Start(t, redistest.Options{})
			c := srv.Conn(t)
			cfg := DefaultConfig()
			cfg.Mode = mode
			key := "zeek:conn"
			marker := markerKey(key, "w1")

			first := &batch{seq: 1, records: connRecords("conn", 0, 3)}
			second := &batch{seq: 2, records: connRecords("conn", 3, 5)}
			for _, step := range []struct {
				b    *batch
				want int
			}{
				{first, 3},  // delivered
				{first, 0},  // reply lost, resent: skipped
				{second, 2}, // next batch
				{first, 0},  // a stale resend arriving late: skipped
				{second, 0}, // resent again: skipped
			} {
				n, err := deliverBatch(c, &cfg, key, marker, step.b.seq, step.b)
				require.NoError(t, err)
				assert.Equal(t, step.want, n, "batch %d", step.b.seq)
			}

			var got []string
			if mode == ModeList {
				got = lrange(t, c, key)
			} else {
				got = streamJSON(t, c, key)
			}
			assert.Equal(t, asStrings(connRecords("conn", 0, 5)), got)

			ttl, err := redis.Int64(c.Do("PTTL", marker))
			require.NoError(t, err)
			assert.Positive(t, ttl, "the marker expires on its own")
		})
	}
}

// Markers are per writer: two writers' batch numbers never collide.
func TestTwoWritersOnOnePathDoNotSuppressEachOther(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	cfg := DefaultConfig()
	key := "zeek:conn"
	a := &batch{seq: 1, records: connRecords("conn", 0, 2)}
	b := &batch{seq: 1, records: connRecords("conn", 2, 4)}
	n, err := deliverBatch(c, &cfg, key, markerKey(key, "writer-a"), 1, a)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = deliverBatch(c, &cfg, key, markerKey(key, "writer-b"), 1, b)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, asStrings(connRecords("conn", 0, 4)), streamJSON(t, c, key))
}

// The type check runs before any write, so a refused batch leaves nothing
// behind that a retry could duplicate.
func TestStreamModeOnAListKeyWritesNothing(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	_, err := c.Do("RPUSH", "zeek:conn", "x")
	require.NoError(t, err)
	cfg := DefaultConfig()
	_, err = deliverBatch(c, &cfg, "zeek:conn", markerKey("zeek:conn", "w"), 1, &batch{seq: 1, records: connRecords("conn", 0, 3)})
	require.ErrorContains(t, err, "WRONGTYPE")
	assert.Equal(t, []string{"x"}, lrange(t, c, "zeek:conn"))
	n, err := redis.Int(c.Do("EXISTS", markerKey("zeek:conn", "w")))
	require.NoError(t, err)
	assert.Zero(t, n)
}

// A pipelined batch must not overtake a predecessor that failed: the
// script refuses it, writing nothing, and both apply in order when resent.
// The oldest unacknowledged batch applies even without a marker (it may
// have expired while the path was idle).
func TestPipelinedBatchNeverOvertakesAFailedOne(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	cfg := DefaultConfig()
	key, marker := "zeek:conn", markerKey("zeek:conn", "w")
	b := func(seq uint64, from int) *batch {
		return &batch{seq: seq, records: connRecords("conn", from, from+2)}
	}

	n, err := deliverBatch(c, &cfg, key, marker, 1, b(1, 0))
	require.NoError(t, err)
	require.Equal(t, 2, n)

	// Batch 2 was lost; batch 3, sent behind it (base 2), must wait.
	_, err = deliverBatch(c, &cfg, key, marker, 2, b(3, 4))
	require.ErrorContains(t, err, "arrived before batch 2")
	assert.Equal(t, asStrings(connRecords("conn", 0, 2)), streamJSON(t, c, key), "nothing written")

	// The resend of 2 and 3, in order.
	for _, step := range []*batch{b(2, 2), b(3, 4)} {
		n, err := deliverBatch(c, &cfg, key, marker, 2, step)
		require.NoError(t, err)
		assert.Equal(t, 2, n, "batch %d", step.seq)
	}

	// Marker gone (expired): the head batch applies, a pipelined one not.
	_, err = c.Do("DEL", marker)
	require.NoError(t, err)
	_, err = deliverBatch(c, &cfg, key, marker, 4, b(5, 8))
	require.Error(t, err)
	n, err = deliverBatch(c, &cfg, key, marker, 4, b(4, 6))
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	assert.Equal(t, asStrings(connRecords("conn", 0, 8)), streamJSON(t, c, key))
}
