package hotstore

import (
	"strconv"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodeEntries is the stream node size of the retention test servers.
// Trimming with "~" removes whole nodes only, so a trimmed stream may keep
// up to nodeEntries-1 entries beyond the limit; a small node keeps that
// slack small enough to assert on.
const nodeEntries = 10

func startRetentionServer(t *testing.T) *redistest.Server {
	return redistest.Start(t, redistest.Options{
		Config: []string{"stream-node-max-entries " + strconv.Itoa(nodeEntries)},
	})
}

// assertSuffixOf checks that got is the tail of written, in order.
func assertSuffixOf(t *testing.T, written [][]byte, got []string) {
	t.Helper()
	require.LessOrEqual(t, len(got), len(written))
	assert.Equal(t, asStrings(written[len(written)-len(got):]), got)
}

// writeInBatches writes recs size at a time, and waits until they are
// delivered and a retention pass has run over them.
func writeInBatches(t *testing.T, s *Stream, recs [][]byte, size int) {
	t.Helper()
	for i := 0; i < len(recs); i += size {
		require.NoError(t, s.Write(recs[i:min(i+size, len(recs))]))
	}
	flush(t, s)
	waitRetention(t, s)
}

// waitRetention waits for a retention pass that started after now.
// Retention runs apart from delivery: a pass already running when the
// last batch was delivered may not have seen it, so it wakes the loop
// twice, and the pass that ends the second wait began after the first
// wake.
func waitRetention(t *testing.T, s *Stream) {
	t.Helper()
	for range 2 {
		before := s.Stats().RetentionPasses
		s.delivered()
		deadline := time.Now().Add(10 * time.Second)
		for s.Stats().RetentionPasses == before {
			require.True(t, time.Now().Before(deadline), "no retention pass within 10 s")
			time.Sleep(time.Millisecond)
		}
	}
}

func TestStreamMaxLenKeepsTheNewestEntries(t *testing.T) {
	srv := startRetentionServer(t)
	cfg, err := ParseURL(srv.URL("", "") + "?maxlen=100&retention-interval=0")
	require.NoError(t, err)
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")

	all := connRecords("conn", 0, 1000)
	writeInBatches(t, s, all, 50)

	got := streamJSON(t, srv.Conn(t), "zeek:conn")
	assert.GreaterOrEqual(t, len(got), 100)
	assert.Less(t, len(got), 100+nodeEntries)
	assertSuffixOf(t, all, got)
}

func TestStreamMaxAgeTrimsEntriesOlderThanTheLimit(t *testing.T) {
	srv := startRetentionServer(t)
	const maxAge = 300 * time.Millisecond
	cfg, err := ParseURL(srv.URL("", "") + "?retention-interval=0&maxage=" + maxAge.String())
	require.NoError(t, err)
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")

	old := connRecords("conn", 0, 55)
	writeInBatches(t, s, old, 55)
	require.Len(t, streamJSON(t, srv.Conn(t), "zeek:conn"), len(old), "nothing is old yet")

	// Let the first records age past the limit (server clock).
	time.Sleep(maxAge + 100*time.Millisecond)
	fresh := connRecords("conn", 55, 80)
	writeInBatches(t, s, fresh, 25)

	got := streamJSON(t, srv.Conn(t), "zeek:conn")
	all := append(append([][]byte{}, old...), fresh...)
	assertSuffixOf(t, all, got)
	assert.GreaterOrEqual(t, len(got), len(fresh), "every fresh record is kept")
	assert.Less(t, len(got)-len(fresh), nodeEntries, "old records are gone but for one partial node")
}

// TestProtectedGroupIsNeverTrimmedPastItsUnackedEntries is the cold tier's
// safety seam: retention must not remove what the shipper's consumer group
// has not acknowledged, and must resume once it has.
func TestProtectedGroupIsNeverTrimmedPastItsUnackedEntries(t *testing.T) {
	srv := startRetentionServer(t)
	cfg, err := ParseURL(srv.URL("", "") + "?maxlen=20&protect-group=cold&retention-interval=0")
	require.NoError(t, err)
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	c := srv.Conn(t)

	// Control: without a protected group the same writes are trimmed.
	plain, err := ParseURL(srv.URL("", "") + "?maxlen=20&retention-interval=0")
	require.NoError(t, err)
	control := openStream(t, newTestWriter(t, plain), "control")
	writeInBatches(t, control, connRecords("control", 0, 100), 10)
	require.Less(t, len(streamJSON(t, c, "zeek:control")), 20+nodeEntries)

	// 1. Nobody has read anything: all 100 entries stay.
	all := connRecords("conn", 0, 100)
	writeInBatches(t, s, all, 10)
	require.Equal(t, asStrings(all), streamJSON(t, c, "zeek:conn"), "the group has read nothing")
	groups, err := redis.Values(c.Do("XINFO", "GROUPS", "zeek:conn"))
	require.NoError(t, err)
	require.Len(t, groups, 1, "the writer created the protected group")

	// 2. The shipper reads 60 and acknowledges the first 40.
	ids := readGroup(t, c, "zeek:conn", "cold", 60)
	require.Len(t, ids, 60)
	ack(t, c, "zeek:conn", "cold", ids[:40])
	all = append(all, connRecord("conn", 100))
	writeInBatches(t, s, all[100:], 1)
	got := streamJSON(t, c, "zeek:conn")
	assertSuffixOf(t, all, got)
	assert.GreaterOrEqual(t, len(got), len(all)-40, "every unacknowledged or unread entry is kept")
	assert.Less(t, len(got), len(all)-40+nodeEntries, "acknowledged entries are trimmed")

	// 3. The shipper catches up: plain count retention resumes.
	ack(t, c, "zeek:conn", "cold", ids[40:])
	ack(t, c, "zeek:conn", "cold", readGroup(t, c, "zeek:conn", "cold", 1000))
	all = append(all, connRecord("conn", 101))
	writeInBatches(t, s, all[101:], 1)
	got = streamJSON(t, c, "zeek:conn")
	assertSuffixOf(t, all, got)
	assert.GreaterOrEqual(t, len(got), 20)
	assert.Less(t, len(got), 20+nodeEntries)
}

// readGroup reads up to count new entries as consumer "shipper" of group
// and returns their IDs.
func readGroup(t *testing.T, c redis.Conn, key, group string, count int) []string {
	t.Helper()
	reply, err := redis.Values(c.Do("XREADGROUP", "GROUP", group, "shipper", "COUNT", count, "STREAMS", key, ">"))
	require.NoError(t, err)
	require.Len(t, reply, 1)
	stream, err := redis.Values(reply[0], nil)
	require.NoError(t, err)
	entries, err := redis.Values(stream[1], nil)
	require.NoError(t, err)
	ids := make([]string, len(entries))
	for i, e := range entries {
		parts, err := redis.Values(e, nil)
		require.NoError(t, err)
		ids[i], err = redis.String(parts[0], nil)
		require.NoError(t, err)
	}
	return ids
}

func ack(t *testing.T, c redis.Conn, key, group string, ids []string) {
	t.Helper()
	args := redis.Args{key, group}.AddFlat(ids)
	n, err := redis.Int(c.Do("XACK", args...))
	require.NoError(t, err)
	require.Equal(t, len(ids), n)
}

// Retention runs apart from delivery, at most once per retention interval
// per path, however many batches are delivered; the first pass comes with
// the first batch (so that a protected group exists from the start).
func TestRetentionRunsAtMostOncePerInterval(t *testing.T) {
	srv := startRetentionServer(t)
	const interval = 300 * time.Millisecond
	cfg, err := ParseURL(srv.URL("", "") + "?maxlen=20&protect-group=cold&retention-interval=" + interval.String())
	require.NoError(t, err)
	cfg.BatchMaxRecords = 10
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	c := srv.Conn(t)

	start := time.Now()
	require.NoError(t, s.Write(connRecords("conn", 0, 10)))
	flush(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().RetentionPasses == 0 {
		require.True(t, time.Now().Before(deadline), "no first retention pass")
		time.Sleep(time.Millisecond)
	}
	groups, err := redis.Values(c.Do("XINFO", "GROUPS", "zeek:conn"))
	require.NoError(t, err)
	require.Len(t, groups, 1, "the first pass created the protected group")

	all := connRecords("conn", 10, 2010)
	for i := 0; i < len(all); i += 10 {
		require.NoError(t, s.Write(all[i:i+10]))
		flush(t, s) // one batch each: 200 deliveries
	}
	elapsed := time.Since(start)
	passes := s.Stats().RetentionPasses
	assert.LessOrEqual(t, passes, uint64(elapsed/interval)+2, "%d passes in %v for 201 batches", passes, elapsed)
	assert.GreaterOrEqual(t, passes, uint64(1))
}
