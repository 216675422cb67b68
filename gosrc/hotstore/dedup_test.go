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
				n, err := deliverBatch(c, &cfg, key, marker, step.b)
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
	n, err := deliverBatch(c, &cfg, key, markerKey(key, "writer-a"), a)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = deliverBatch(c, &cfg, key, markerKey(key, "writer-b"), b)
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
	_, err = deliverBatch(c, &cfg, "zeek:conn", markerKey("zeek:conn", "w"), &batch{seq: 1, records: connRecords("conn", 0, 3)})
	require.ErrorContains(t, err, "WRONGTYPE")
	assert.Equal(t, []string{"x"}, lrange(t, c, "zeek:conn"))
	n, err := redis.Int(c.Do("EXISTS", markerKey("zeek:conn", "w")))
	require.NoError(t, err)
	assert.Zero(t, n)
}
