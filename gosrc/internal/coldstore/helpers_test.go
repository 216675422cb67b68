package coldstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// waitTimeout bounds how long a test waits for shipping to a healthy
// local server; it is a hang guard, not a speed target.
const waitTimeout = 60 * time.Second

// conn.log's schema, as the writer would pass it (a subset of the real
// one, every kind of type included).
var connSchema = zeekschema.Schema{
	{Name: "ts", Type: "time"},
	{Name: "uid", Type: "string"},
	{Name: "id.orig_h", Type: "addr"},
	{Name: "id.orig_p", Type: "port"},
	{Name: "id.resp_h", Type: "addr"},
	{Name: "id.resp_p", Type: "port"},
	{Name: "proto", Type: "enum"},
	{Name: "duration", Type: "interval"},
	{Name: "orig_bytes", Type: "count"},
	{Name: "local_orig", Type: "bool"},
	{Name: "tunnel_parents", Type: "set[string]"},
	{Name: "seq", Type: "count"},
}

// baseTS is the ts of record 0: 2023-11-14T23:58:20Z. Record i is i
// seconds later, so records from 100 on fall on the next UTC day.
const baseTS = 1700006300

// connRecord renders conn record number i as Zeek JSON.
func connRecord(i int) string {
	return fmt.Sprintf(`{"ts":%d.%06d,"uid":"C%015d","id.orig_h":"10.0.%d.%d","id.orig_p":%d,`+
		`"id.resp_h":"93.184.216.34","id.resp_p":443,"proto":"tcp","duration":0.25,"orig_bytes":%d,`+
		`"local_orig":true,"tunnel_parents":["Cx%d","Cy%d"],"seq":%d}`,
		baseTS+i, i%1000*1000, i, (i>>8)&255, i&255, 1024+i%60000, 100+i, i, i, i)
}

// servers are the real Redis and search engine a test ships between.
type servers struct {
	redis *redistest.Server
	es    *estest.Server
}

func startServers(t *testing.T) servers { return startBenchServers(t) }

func startBenchServers(t testing.TB) servers {
	t.Helper()
	return servers{redis: redistest.Start(t, redistest.Options{}), es: estest.Start(t)}
}

// esURL is the engine's API, with its credentials in it where it has any;
// "" when the test runs without an engine.
func (s servers) esURL() string {
	if s.es == nil {
		return ""
	}
	return s.es.AuthURL()
}

// testConfig ships paths between the servers with short waits, so that
// tests do not sit out the production intervals.
func testConfig(t *testing.T, s servers, consumer string, paths ...string) Config {
	t.Helper()
	cfg := benchConfig(t, s)
	cfg.Consumer = consumer
	cfg.Paths = paths
	cfg.OnError = func(err error) { t.Logf("shipper: %v", err) }
	return cfg
}

// benchConfig ships conn between the servers as consumer "bench".
func benchConfig(t testing.TB, s servers) Config {
	t.Helper()
	cfg := DefaultConfig()
	var err error
	cfg.Redis, err = hotstore.ParseURL(s.redis.URL("", ""))
	require.NoError(t, err)
	cfg.ElasticsearchURL = s.esURL()
	cfg.Consumer = "bench"
	cfg.Paths = []string{"conn"}
	cfg.Schemas = map[string]zeekschema.Schema{"conn": connSchema}
	cfg.BatchMaxDocs = 500
	cfg.FlushInterval = 50 * time.Millisecond
	cfg.ClaimIdle = 30 * time.Second
	cfg.DiscoverInterval = 200 * time.Millisecond
	cfg.BackoffMin = 20 * time.Millisecond
	cfg.BackoffMax = 300 * time.Millisecond
	cfg.DrainTimeout = 10 * time.Second
	cfg.OnError = func(err error) { t.Logf("shipper: %v", err) }
	return cfg
}

// running is a Shipper running in the background.
type running struct {
	*Shipper
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startShipper runs a Shipper for cfg until stop or the end of the test.
func startShipper(t *testing.T, cfg Config) *running {
	t.Helper()
	s, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Shipper: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { _ = r.stop() })
	return r
}

// stop asks the shipper to stop and returns what Run returned.
func (r *running) stop() error {
	r.once.Do(func() {
		r.cancel()
		select {
		case r.err = <-r.done:
		case <-time.After(waitTimeout):
			r.err = fmt.Errorf("shipper did not stop within %v", waitTimeout)
		}
	})
	return r.err
}

// xadd appends records to key, in one pipeline.
func xadd(t testing.TB, c redis.Conn, key string, records ...string) {
	t.Helper()
	for _, r := range records {
		require.NoError(t, c.Send("XADD", key, "*", "json", r))
	}
	require.NoError(t, c.Flush())
	for range records {
		_, err := c.Receive()
		require.NoError(t, err)
	}
}

// xaddConn appends conn records from..to-1 to zeek:conn.
func xaddConn(t *testing.T, c redis.Conn, from, to int) {
	t.Helper()
	recs := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		recs = append(recs, connRecord(i))
	}
	for len(recs) > 0 {
		n := min(len(recs), 1000)
		xadd(t, c, "zeek:conn", recs[:n]...)
		recs = recs[n:]
	}
}

// pending is the number of entries of key delivered to group and not
// acknowledged.
func pending(t *testing.T, c redis.Conn, key, group string) int {
	t.Helper()
	reply, err := redis.Values(c.Do("XPENDING", key, group))
	require.NoError(t, err)
	n, err := redis.Int(reply[0], nil)
	require.NoError(t, err)
	return n
}

// streamLen is XLEN key.
func streamLen(t *testing.T, c redis.Conn, key string) int {
	t.Helper()
	n, err := redis.Int(c.Do("XLEN", key))
	require.NoError(t, err)
	return n
}

// eventually polls cond until it holds or waitTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uniqueSeqs searches every document of index and returns how many
// distinct "seq" values they hold, and how many documents there are.
func uniqueSeqs(t *testing.T, es *estest.Server, index string, size int) (distinct, docs int) {
	t.Helper()
	r, err := es.Search(index, nil, size)
	require.NoError(t, err)
	seen := map[float64]bool{}
	for _, h := range r.Hits {
		seq, ok := h.Source["seq"].(float64)
		require.True(t, ok, "document %s has no numeric seq: %v", h.ID, h.Source)
		seen[seq] = true
	}
	return len(seen), len(r.Hits)
}
