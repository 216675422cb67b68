package logwriter

import (
	"context"
	"strings"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// The writer's configuration string takes cluster=yes like any hot-tier
// option. Records and schemas (two keys in different slots) reach the
// cluster, and Dial, which the tail and status commands use, reads both
// back through one connection.
func TestWriterOnARedisCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3, redistest.Options{})
	addrs := c.Addrs()
	cfg, err := ParseConfig("redis://" + addrs[0] + " cluster=yes cluster-nodes=" + strings.Join(addrs[1:], ",") +
		" backoff-min=5ms backoff-max=100ms")
	require.NoError(t, err)
	require.True(t, cfg.Redis.Cluster)
	cfg.Redis.OnError = func(err error) { t.Logf("hot tier: %v", err) }
	w, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close(context.Background()) })

	l, err := w.OpenLog("conn", schema("uid", "string", "g", "count", "n", "count"))
	require.NoError(t, err)
	require.NoError(t, l.Write(records(0, 0, 1000)))
	flushLog(t, l)

	conn, err := Dial(cfg.Redis)
	require.NoError(t, err)
	defer conn.Close()
	got := streamRecords(t, conn, l.Key())
	require.Len(t, got, 1000)
	for i, r := range got {
		require.Equal(t, i, r.N, "record %d in order", i)
	}
	body, err := redis.String(conn.Do("GET", SchemaKey(cfg.Redis.KeyPrefix, "conn")))
	require.NoError(t, err)
	assert.Contains(t, body, `"uid"`)
}

// The embedded shipper does not read from a cluster yet; asking for it is
// refused at start with one error that says so.
func TestEmbeddedShipperRefusesARedisCluster(t *testing.T) {
	cfg, err := ParseConfig("redis://127.0.0.1:7000 cluster=yes elasticsearch=http://127.0.0.1:9200")
	if err == nil {
		_, err = New(cfg)
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Redis Cluster")
}
