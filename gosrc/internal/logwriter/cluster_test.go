package logwriter

import (
	"context"
	"strings"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
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
	body, err := redis.String(conn.Do("GET", rediskey.Schema(cfg.Redis.KeyPrefix, "conn")))
	require.NoError(t, err)
	assert.Contains(t, body, `"uid"`)
}

// The embedded shipper reads a Redis Cluster: a writer with cluster=yes
// and elasticsearch= ships logs whose streams live on different nodes, and
// Close returns once the cold tier has every record, once.
func TestEmbeddedShipperOnARedisCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3, redistest.Options{})
	es := estest.Start(t)
	addrs := c.Addrs()
	cfg, err := ParseConfig("redis://" + addrs[0] + " cluster=yes cluster-nodes=" + strings.Join(addrs[1:], ",") +
		" backoff-min=5ms backoff-max=100ms elasticsearch=" + es.AuthURL() + " es-flush-interval=100ms es-close-timeout=50s")
	require.NoError(t, err)
	w, err := New(cfg)
	require.NoError(t, err)
	paths := []string{"conn", "dns", "http", "ssl"}
	nodes := map[string]bool{}
	for _, p := range paths {
		owner, err := c.Owner(rediskey.Records(cfg.Redis.KeyPrefix, p))
		require.NoError(t, err)
		nodes[owner.Addr()] = true
		l, err := w.OpenLog(p, connLikeSchema)
		require.NoError(t, err)
		require.NoError(t, l.Write(connLike(0, 300)))
	}
	require.GreaterOrEqual(t, len(nodes), 2, "the streams are on different nodes")
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	require.NoError(t, w.Close(ctx), "everything shipped within the close timeout")
	assert.Equal(t, uint64(len(paths)*300), w.ShipStats().Shipped)
	for _, p := range paths {
		es.WaitTotal(t, "zeek-"+p+"-2023.11.14", 300, hangGuard)
	}
}
