package logwriter

import (
	"context"
	"fmt"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

var connLikeSchema = schema("ts", "time", "uid", "string", "id.orig_h", "addr", "orig_bytes", "count")

// connLike renders record n: all on 2023-11-14 UTC.
func connLike(from, to int) [][]byte {
	out := make([][]byte, 0, to-from)
	for n := from; n < to; n++ {
		out = append(out, fmt.Appendf(nil, `{"ts":%d.5,"uid":"C%06d","id.orig_h":"10.1.%d.%d","orig_bytes":%d}`,
			1700000000+n, n, n>>8&255, n&255, n))
	}
	return out
}

// groupLag is what the cold tier's group has not acknowledged yet:
// pending plus never delivered.
func groupLag(t *testing.T, c redis.Conn, key string) int {
	t.Helper()
	groups, err := redis.Values(c.Do("XINFO", "GROUPS", key))
	require.NoError(t, err)
	require.Len(t, groups, 1)
	fields, err := redis.Values(groups[0], nil)
	require.NoError(t, err)
	info := map[string]string{} // values are strings, numbers or nil
	for i := 0; i+1 < len(fields); i += 2 {
		name, _ := redis.String(fields[i], nil)
		switch v := fields[i+1].(type) {
		case []byte:
			info[name] = string(v)
		case int64:
			info[name] = fmt.Sprint(v)
		}
	}
	var pending, lag int
	_, err = fmt.Sscan(info["pending"], &pending)
	require.NoError(t, err, "pending %q", info["pending"])
	_, err = fmt.Sscan(info["lag"], &lag)
	require.NoError(t, err, "lag %q", info["lag"])
	return pending + lag
}

// TestWriterShipsItsLogsToElasticsearchBeforeClosing runs the writer with
// an Elasticsearch URL against real Redis and a real Elasticsearch-API
// server: the records reach both, typed by the schema, and Close returns
// only once the cold tier has all of them.
func TestWriterShipsItsLogsToElasticsearchBeforeClosing(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	es := estest.Start(t)
	w := openTestWriter(t, srv, "elasticsearch="+es.AuthURL()+" es-flush-interval=100ms")
	conn, err := w.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	dns, err := w.OpenLog("dns", schema("ts", "time", "query", "string"))
	require.NoError(t, err)
	for i := 0; i < 1000; i += 100 {
		require.NoError(t, conn.Write(connLike(i, i+100)))
	}
	require.NoError(t, dns.Write([][]byte{[]byte(`{"ts":1700000000.0,"query":"example.com"}`)}))

	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	require.NoError(t, w.Close(ctx), "everything shipped within the close timeout")

	assert.Equal(t, uint64(1001), w.ShipStats().Shipped)
	c := srv.Conn(t)
	assert.Zero(t, groupLag(t, c, "zeek:conn"), "every conn record acknowledged by the cold tier")
	assert.Zero(t, groupLag(t, c, "zeek:dns"))
	n, err := redis.Int(c.Do("XLEN", "zeek:conn"))
	require.NoError(t, err)
	assert.Equal(t, 1000, n, "and still in the hot tier")

	es.WaitTotal(t, "zeek-conn-2023.11.14", 1000, hangGuard)
	es.WaitTotal(t, "zeek-dns-2023.11.14", 1, hangGuard)
	m, err := es.Mapping("zeek-conn-2023.11.14")
	require.NoError(t, err)
	assert.Equal(t, "date", m["ts"], "time is a date")
	assert.Equal(t, "keyword", m["uid"])
	assert.Equal(t, "long", m["orig_bytes"], "count is a long")
	assert.Equal(t, "ip", m["id.orig_h"], "addr is an ip")
	r, err := es.Search("zeek-conn-*", map[string]any{"term": map[string]any{"uid": "C000777"}}, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Total, "one document per record")

	// Searchable by time: records 100-199 have ts 1700000100.5-1700000199.5,
	// that is 22:15:00.5-22:16:39.5 UTC, found by ISO 8601 bounds, which
	// each field's own date format reads.
	for _, field := range []string{"ts", "@timestamp"} {
		r, err = es.Search("zeek-conn-*", map[string]any{"range": map[string]any{field: map[string]any{
			"gte": "2023-11-14T22:15:00Z", "lt": "2023-11-14T22:16:40Z"}}}, 1)
		require.NoError(t, err)
		assert.Equal(t, 100, r.Total, "a date range on %s", field)
	}
	// And by address: record n came from 10.1.(n>>8).(n&255), so records
	// 768-999 are those in 10.1.3.0/24.
	r, err = es.Search("zeek-conn-*", map[string]any{"term": map[string]any{"id.orig_h": "10.1.3.0/24"}}, 0)
	require.NoError(t, err)
	assert.Equal(t, 1000-768, r.Total, "a CIDR term on the address")
}

// TestWriterCloseWithElasticsearchDownKeepsTheRecordsInRedis: the close
// timeout passes, Close says the records wait in Redis, and they do, all
// unacknowledged, for the next shipper.
func TestWriterCloseWithElasticsearchDownKeepsTheRecordsInRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	es := estest.Start(t)
	esURL := es.AuthURL()
	require.NoError(t, es.Stop())
	w := openTestWriter(t, srv, "elasticsearch="+esURL+" es-close-timeout=500ms es-backoff-max=100ms es-request-timeout=1s")
	l, err := w.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(connLike(0, 50)))

	err = w.Close(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not everything reached Elasticsearch before the close timeout")
	assert.Contains(t, err.Error(), "conn: 50 entries")
	assert.Zero(t, w.ShipStats().Shipped)
	c := srv.Conn(t)
	assert.Equal(t, 50, groupLag(t, c, "zeek:conn"), "all 50 wait for the cold tier")

	// The next writer's shipper (Zeek started again) ships them.
	require.NoError(t, es.Start())
	w2 := openTestWriter(t, srv, "elasticsearch="+esURL+" es-flush-interval=100ms")
	_, err = w2.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	require.NoError(t, w2.Close(ctx))
	assert.Zero(t, groupLag(t, c, "zeek:conn"))
	es.WaitTotal(t, "zeek-conn-2023.11.14", 50, hangGuard)
}
