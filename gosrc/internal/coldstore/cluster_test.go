package coldstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// A shipper reads a Redis Cluster: it discovers the paths on every master
// (a SCAN sees one node's keys), reads each stream on the node serving it,
// and dead-letters into {<stream>}:dead, which shares the stream's slot so
// that the dead-letter script runs on one node. Exact counts: every record
// indexed once or dead-lettered once, all acknowledged.
func TestShipFromARedisCluster(t *testing.T) {
	cluster := redistest.StartCluster(t, 3, redistest.Options{})
	es := estest.Start(t)
	addrs := cluster.Addrs()
	hot, err := hotstore.ParseURL("redis://" + addrs[0] + "?cluster=yes&cluster-nodes=" + strings.Join(addrs[1:], ","))
	require.NoError(t, err)

	// Paths on at least two different nodes, so that discovery must look
	// at more than one.
	paths := []string{"conn", "dns", "http", "ssl", "files", "x509"}
	owners := map[string]bool{}
	dialer, err := hotstore.NewDialer(hot, "test")
	require.NoError(t, err)
	rc, err := dialer.Dial() // routed: each command to the node of its key
	require.NoError(t, err)
	defer rc.Close()
	const perPath = 200
	bad := `{"ts":1700006337.0,"uid":"Cbad","orig_bytes":"lots","seq":37}`
	for _, p := range paths {
		owner, err := cluster.Owner(rediskey.Records("zeek:", p))
		require.NoError(t, err)
		owners[owner.Addr()] = true
		recs := make([]string, 0, perPath)
		for i := range perPath {
			recs = append(recs, connRecord(i))
		}
		recs[37] = bad // refused by the mapping: orig_bytes is a count
		// A pipeline stays on the node its first command chose: one
		// connection per path.
		pc, err := dialer.Dial()
		require.NoError(t, err)
		xadd(t, pc, rediskey.Records("zeek:", p), recs...)
		pc.Close()
	}
	require.GreaterOrEqual(t, len(owners), 2, "the paths are spread over the cluster")

	cfg := DefaultConfig()
	cfg.Redis = hot
	cfg.ElasticsearchURL = es.AuthURL()
	cfg.Consumer = "a"
	cfg.Schemas = map[string]zeekschema.Schema{}
	for _, p := range paths {
		cfg.Schemas[p] = connSchema
	}
	cfg.FlushInterval = 50 * time.Millisecond
	cfg.DiscoverInterval = 200 * time.Millisecond
	cfg.BackoffMin, cfg.BackoffMax = 20*time.Millisecond, 300*time.Millisecond
	cfg.OnError = func(err error) { t.Logf("shipper: %v", err) }
	sh := startShipper(t, cfg)
	for _, p := range paths {
		es.WaitTotal(t, fmt.Sprintf("zeek-%s-*", p), perPath-1, waitTimeout)
	}
	for _, p := range paths {
		key := rediskey.Records("zeek:", p)
		eventually(t, key+" settled", func() bool { return pending(t, rc, key, rediskey.DefaultGroup) == 0 })
	}
	require.NoError(t, sh.stop())
	st := sh.Stats()
	assert.Equal(t, uint64(len(paths)*(perPath-1)), st.Shipped)
	assert.Equal(t, uint64(len(paths)), st.DeadLettered)
	for _, p := range paths {
		distinct, docs := uniqueSeqs(t, es, fmt.Sprintf("zeek-%s-*", p), 2*perPath)
		assert.Equal(t, perPath-1, distinct, p)
		assert.Equal(t, perPath-1, docs, p)
		dead := deadLetters(t, rc, rediskey.DeadLetter("zeek:", p))
		require.Len(t, dead, 1, p)
		assert.Equal(t, bad, dead[0]["json"])
		assert.Contains(t, dead[0]["error"], "orig_bytes")
	}
}
