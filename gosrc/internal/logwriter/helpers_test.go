package logwriter

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// hangGuard bounds waits on a healthy local server; not a speed target.
const hangGuard = 60 * time.Second

// openTestWriter opens a writer on srv with fast reconnects and closes it
// when the test ends. extra is appended to the configuration.
func openTestWriter(t *testing.T, srv *redistest.Server, extra string) *Writer {
	t.Helper()
	cfg, err := ParseConfig(srv.URL("", "") + "/0 backoff-min=5ms backoff-max=100ms " + extra)
	require.NoError(t, err)
	cfg.Redis.OnError = func(err error) { t.Logf("hot tier: %v", err) }
	w, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	return w
}

func flushLog(t *testing.T, l *Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	require.NoError(t, l.Flush(ctx))
}

// schema builds a schema from name, type, name, type, ...
func schema(nameTypes ...string) zeekschema.Schema {
	out := make(zeekschema.Schema, 0, len(nameTypes)/2)
	for i := 0; i+1 < len(nameTypes); i += 2 {
		out = append(out, zeekschema.Field{Name: nameTypes[i], Type: nameTypes[i+1]})
	}
	return out
}

// record is what the tests write: who wrote it and its number there.
type record struct {
	UID string `json:"uid"`
	G   int    `json:"g"`
	N   int    `json:"n"`
}

func records(g, from, to int) [][]byte {
	out := make([][]byte, 0, to-from)
	for n := from; n < to; n++ {
		out = append(out, fmt.Appendf(nil, `{"uid":"g%d-%d","g":%d,"n":%d}`, g, n, g, n))
	}
	return out
}

// streamRecords reads every entry of a stream, in order.
func streamRecords(t *testing.T, c redis.Conn, key string) []record {
	t.Helper()
	entries, err := redis.Values(c.Do("XRANGE", key, "-", "+"))
	require.NoError(t, err)
	out := make([]record, 0, len(entries))
	for _, e := range entries {
		kv, err := redis.Values(e, nil)
		require.NoError(t, err)
		fields, err := redis.StringMap(kv[1], nil)
		require.NoError(t, err)
		var r record
		require.NoError(t, json.Unmarshal([]byte(fields["json"]), &r), fields["json"])
		out = append(out, r)
	}
	return out
}
