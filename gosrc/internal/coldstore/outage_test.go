package coldstore

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// Elasticsearch goes away for a while and comes back. Meanwhile the writer
// keeps writing with count retention (maxlen=100) and protect-group set to
// the shipper's group: the records wait in Redis, untrimmed, and all of
// them arrive once the server is back, none twice. Retention resumes once
// the group has caught up.
func TestElasticsearchOutageLosesAndDoublesNothing(t *testing.T) {
	s := startServers(t)
	c := s.redis.Conn(t)
	hotCfg, err := hotstore.ParseURL(s.redis.URL("", "") + "?maxlen=100&protect-group=" + rediskey.DefaultGroup)
	require.NoError(t, err)
	hotCfg.OnError = func(err error) { t.Logf("writer: %v", err) }
	w, err := hotstore.New(hotCfg)
	require.NoError(t, err)
	defer w.Close(context.Background())
	stream, err := w.Open("conn")
	require.NoError(t, err)
	write := func(from, to int) {
		t.Helper()
		recs := make([][]byte, 0, to-from)
		for i := from; i < to; i++ {
			recs = append(recs, []byte(connRecord(i)))
		}
		require.NoError(t, stream.Write(recs))
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		require.NoError(t, stream.Flush(ctx))
	}

	sh := startShipper(t, testConfig(t, s, "a", "conn"))
	write(0, 500)
	s.es.WaitTotal(t, "zeek-conn-*", 500, waitTimeout)

	require.NoError(t, s.es.Stop())
	write(500, 2500)
	eventually(t, "the shipper to meet the outage", func() bool { return sh.Stats().Retried > 0 })
	time.Sleep(time.Second) // a while: several retries with backoff
	// The 500 shipped may be trimmed; the 2000 waiting may not.
	assert.GreaterOrEqual(t, streamLen(t, c, "zeek:conn"), 2000, "retention must not trim what the group has not acknowledged")
	eventually(t, "the lag to show the waiting records", func() bool { return sh.Stats().Lag == 2000 })
	assert.Equal(t, uint64(500), sh.Stats().Shipped)

	require.NoError(t, s.es.Start())
	s.es.WaitTotal(t, "zeek-conn-*", 2500, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return sh.Stats().Shipped == 2500 })
	assert.Equal(t, 0, pending(t, c, "zeek:conn", rediskey.DefaultGroup))

	write(2500, 2501) // the next write trims again: the group has caught up
	assert.Less(t, streamLen(t, c, "zeek:conn"), 300)
	s.es.WaitTotal(t, "zeek-conn-*", 2501, waitTimeout)
	require.NoError(t, sh.stop())
	st := sh.Stats()
	assert.Equal(t, uint64(2501), st.Shipped)
	assert.Zero(t, st.DeadLettered)
	assert.Positive(t, st.Retried)
	distinct, docs := uniqueSeqs(t, s.es, "zeek-conn-*", 3000)
	assert.Equal(t, 2501, distinct)
	assert.Equal(t, 2501, docs)
}

// Elasticsearch busy: whole bulk requests refused with 429 (injected in
// front of the real server, which never sends one) are sent again.
func TestTooManyRequestsAreRetried(t *testing.T) {
	s := startServers(t)
	tp := newTap(t, s.es.URL())
	refusals := 0
	tp.setRefuse(func(r *http.Request) int {
		if strings.HasSuffix(r.URL.Path, "/_bulk") && refusals < 3 {
			refusals++
			return http.StatusTooManyRequests
		}
		return 0
	})
	cfg := testConfig(t, s, "a", "conn")
	cfg.ElasticsearchURL = tp.url(s.esURL())
	c := s.redis.Conn(t)
	xaddConn(t, c, 0, 1000)
	sh := startShipper(t, cfg)
	s.es.WaitTotal(t, "zeek-conn-*", 1000, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return sh.Stats().Shipped == 1000 })
	require.NoError(t, sh.stop())
	st := sh.Stats()
	assert.Equal(t, uint64(1000), st.Shipped)
	assert.Zero(t, st.DeadLettered)
	assert.GreaterOrEqual(t, st.Retried, uint64(3), "each refused bulk's documents are retried")
	assert.Contains(t, st.LastError, "429")
	assert.Equal(t, 0, pending(t, c, "zeek:conn", rediskey.DefaultGroup))
}
