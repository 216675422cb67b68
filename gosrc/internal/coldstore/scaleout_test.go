package coldstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// Two shippers in one group split the stream between them: each record is
// shipped by exactly one, and none is taken over while both are alive.
func TestTwoShippersShareTheGroupWithoutDuplicates(t *testing.T) {
	s := startServers(t)
	c := s.redis.Conn(t)
	a := startShipper(t, testConfig(t, s, "a", "conn"))
	b := startShipper(t, testConfig(t, s, "b", "conn"))
	const n = 4000
	for i := 0; i < n; i += 100 { // records keep arriving while both read
		xaddConn(t, c, i, i+100)
		time.Sleep(5 * time.Millisecond)
	}
	s.es.WaitTotal(t, "zeek-conn-*", n, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return pending(t, c, "zeek:conn", rediskey.DefaultGroup) == 0 })
	require.NoError(t, a.stop())
	require.NoError(t, b.stop())
	sa, sb := a.Stats(), b.Stats()
	t.Logf("a shipped %d, b shipped %d", sa.Shipped, sb.Shipped)
	assert.Equal(t, uint64(n), sa.Shipped+sb.Shipped, "each record shipped by exactly one shipper")
	assert.Positive(t, sa.Shipped)
	assert.Positive(t, sb.Shipped)
	assert.Zero(t, sa.Claimed+sb.Claimed)
	distinct, docs := uniqueSeqs(t, s.es, "zeek-conn-*", 2*n)
	assert.Equal(t, n, distinct)
	assert.Equal(t, n, docs)
}
