package coldstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// Redis crashes (SIGKILL) under a running shipper and comes back from its
// append-only file: the shipper reconnects, and every record, from before
// and after the crash, is indexed once.
func TestRedisCrashUnderTheShipperLosesAndDoublesNothing(t *testing.T) {
	s := servers{redis: redistest.Start(t, redistest.Options{AppendOnly: true}), es: estest.Start(t)}
	cfg := testConfig(t, s, "a", "conn")
	var err error
	cfg.Redis, err = hotstore.ParseURL(s.redis.URL("", ""))
	require.NoError(t, err)
	sh := startShipper(t, cfg)

	c, err := s.redis.Dial()
	require.NoError(t, err)
	xaddConn(t, c, 0, 500)
	c.Close()
	s.es.WaitTotal(t, "zeek-conn-*", 500, waitTimeout)
	require.NoError(t, s.redis.Kill())
	require.NoError(t, s.redis.Restart())

	c = s.redis.Conn(t)
	xaddConn(t, c, 500, 1000)
	s.es.WaitTotal(t, "zeek-conn-*", 1000, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return pending(t, c, "zeek:conn", rediskey.DefaultGroup) == 0 })
	require.NoError(t, sh.stop())
	assert.Equal(t, uint64(1000), sh.Stats().Shipped)
	distinct, docs := uniqueSeqs(t, s.es, "zeek-conn-*", 2000)
	assert.Equal(t, 1000, distinct)
	assert.Equal(t, 1000, docs)
}
