package coldstore

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// Legal Zeek times near 0 (a trace recorded with a clock at the epoch, or
// crafted by hand) are stored and found by a date range, like any other:
// ZincSearch refused them as "time value is empty".
func TestTimesNearTheEpochAreStoredAndFoundByRange(t *testing.T) {
	s := startServers(t)
	c := s.redis.Conn(t)
	xadd(t, c, "zeek:conn",
		`{"ts":0.015,"uid":"Cepoch1","id.orig_h":"10.0.0.1","seq":1}`,
		`{"ts":0.0,"uid":"Cepoch0","id.orig_h":"10.0.0.2","seq":0}`,
		`{"ts":1.5,"uid":"Cepoch2","id.orig_h":"10.0.0.3","seq":2}`)
	sh := startShipper(t, testConfig(t, s, "a", "conn"))
	s.es.WaitTotal(t, "zeek-conn-1970.01.01", 3, waitTimeout)
	require.NoError(t, sh.stop())
	assert.Zero(t, sh.Stats().DeadLettered)
	for field, want := range map[string]int{"ts": 2, "@timestamp": 2} {
		r, err := s.es.Search("zeek-conn-*", map[string]any{"range": map[string]any{field: map[string]any{
			"gte": "1970-01-01T00:00:00.010Z", "lte": "1970-01-01T00:00:02Z"}}}, 10)
		require.NoError(t, err)
		assert.Equal(t, want, r.Total, "range on %s", field)
	}
}

// A node with a one-thread write pool and a queue of one refuses bulks
// sent at once with real 429s (es_rejected_execution_exception), item by
// item. The shipper sends those items again: every record is stored once.
func TestRealTooManyRequestsFromABusyNodeAreRetried(t *testing.T) {
	s := servers{
		redis: redistest.Start(t, redistest.Options{}),
		es: estest.StartWith(t, estest.Options{Settings: map[string]string{
			"thread_pool.write.size": "1", "thread_pool.write.queue_size": "1",
		}}),
	}
	const paths, per = 8, 3000
	c := s.redis.Conn(t)
	var names []string
	for p := 0; p < paths; p++ {
		name := fmt.Sprintf("conn%d", p)
		names = append(names, name)
		recs := make([]string, 0, per)
		for i := 0; i < per; i++ {
			recs = append(recs, connRecord(i))
		}
		for i := 0; i < per; i += 1000 {
			xadd(t, c, "zeek:"+name, recs[i:i+1000]...)
		}
	}
	cfg := testConfig(t, s, "a", names...)
	cfg.BatchMaxDocs = 100 // many small bulks: more of them meet in the queue
	sh := startShipper(t, cfg)
	for _, name := range names {
		s.es.WaitTotal(t, "zeek-"+name+"-*", per, waitTimeout)
	}
	eventually(t, "every entry acknowledged", func() bool { return sh.Stats().Shipped == paths*per })
	require.NoError(t, sh.stop())
	st := sh.Stats()
	assert.Equal(t, uint64(paths*per), st.Shipped)
	assert.Zero(t, st.DeadLettered)
	require.Positive(t, st.Retried, "a write queue of one must have refused some of %d concurrent bulks", paths)
	assert.Contains(t, st.LastError, "429")
	for _, name := range names {
		distinct, docs := uniqueSeqs(t, s.es, "zeek-"+name+"-*", per+10)
		assert.Equal(t, per, distinct, name)
		assert.Equal(t, per, docs, name)
	}
}

// The engine is killed (SIGKILL, as a crash or the OOM killer would) while
// the shipper is mid-stream, and started again on the same data: what it
// had acknowledged survives in its translog, the rest is sent again, and
// every record is stored exactly once.
func TestEngineKilledMidStreamLosesAndDoublesNothing(t *testing.T) {
	s := startServers(t)
	c := s.redis.Conn(t)
	const n = 20000
	for i := 0; i < n; i += 1000 {
		recs := make([]string, 0, 1000)
		for j := i; j < i+1000; j++ {
			recs = append(recs, connRecord(j))
		}
		xadd(t, c, "zeek:conn", recs...)
	}
	sh := startShipper(t, testConfig(t, s, "a", "conn"))
	eventually(t, "shipping under way", func() bool { return sh.Stats().Shipped >= 2000 })
	require.NoError(t, s.es.Kill())
	killedAt := sh.Stats().Shipped
	t.Logf("engine killed with %d of %d acknowledged", killedAt, n)
	eventually(t, "the shipper to meet the crash", func() bool { return sh.Stats().Retried > 0 })
	require.NoError(t, s.es.Start())
	eventually(t, "every entry acknowledged", func() bool { return sh.Stats().Shipped == n })
	require.NoError(t, sh.stop())
	assert.Less(t, killedAt, uint64(n), "the engine was killed mid-stream")
	assert.Zero(t, sh.Stats().DeadLettered)
	distinct, docs := uniqueSeqs(t, s.es, "zeek-conn-*", n+100)
	assert.Equal(t, n, distinct)
	assert.Equal(t, n, docs)
	assert.Equal(t, 0, pending(t, c, "zeek:conn", rediskey.DefaultGroup))
}
