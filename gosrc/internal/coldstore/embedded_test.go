package coldstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// A writer running the shipper in its process hands it the schema with
// the path. The first template must be built from it even though Redis
// holds no schema yet (the writer stores it in the background): with the
// minimal template Elasticsearch would map uid as text, and a term search
// for a uid would find nothing.
func TestShipWithSchemaTypesTheFirstIndexWithoutRedis(t *testing.T) {
	s := startServers(t)
	cfg := testConfig(t, s, "a")
	cfg.Schemas = nil
	sh, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, sh.Ship("conn", connSchema))

	c := s.redis.Conn(t)
	exists, err := c.Do("EXISTS", rediskey.Schema(cfg.Redis.KeyPrefix, "conn"))
	require.NoError(t, err)
	require.Equal(t, int64(0), exists, "no schema in Redis: the shipper must use the one it was given")
	const n = 50
	xaddConn(t, c, 0, n)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx) }()
	waitCtx, stopWaiting := context.WithTimeout(context.Background(), waitTimeout)
	defer stopWaiting()
	require.NoError(t, sh.WaitShipped(waitCtx, []string{"conn"}))
	cancel()
	require.NoError(t, <-done)

	s.es.WaitTotal(t, "zeek-conn-*", n, waitTimeout)
	m, err := s.es.Mapping("zeek-conn-2023.11.14")
	require.NoError(t, err)
	assert.Equal(t, "keyword", m["uid"])
	assert.Equal(t, "long", m["orig_bytes"])
	assert.Equal(t, "date", m["ts"])
}

func TestShipRefusesABadSchema(t *testing.T) {
	s := startServers(t)
	sh, err := New(testConfig(t, s, "a"))
	require.NoError(t, err)
	bad := zeekschema.Schema{{Name: "ts", Type: "time"}, {Name: "ts", Type: "string"}}
	err = sh.Ship("dns", bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `log dns: field "ts" appears twice`)
}

// A log opened while Run is starting (it has begun, but not yet taken the
// paths asked before it) is queued, not refused as if the shipper had
// stopped: Zeek opens logs while the writer's shipper starts, and on a
// busy machine one fell into that window and was never shipped. Once Run
// has returned, Ship says so.
func TestShipWhileRunStartsIsQueued(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ElasticsearchURL = "http://127.0.0.1:1" // never contacted
	cfg.Consumer = "t"
	sh, err := New(cfg)
	require.NoError(t, err)
	sh.mu.Lock()
	sh.ran = true // Run's first step, before it sets start
	sh.mu.Unlock()
	require.NoError(t, sh.Ship("http", nil))
	assert.Equal(t, []string{"http"}, sh.asked)

	sh.mu.Lock()
	sh.stopped = true // Run has returned
	sh.mu.Unlock()
	assert.ErrorContains(t, sh.Ship("dns", nil), "the shipper has stopped")
}
