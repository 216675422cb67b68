package hotstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"
)

// flushTimeout bounds how long a test waits for delivery to a healthy
// local server before failing; it is a hang guard, not a speed target.
const flushTimeout = 60 * time.Second

// testConfig is a Config for srv with fast reconnects, so fault tests do
// not wait out the production backoff, and a t.Log error sink.
func testConfig(t *testing.T, srv *redistest.Server, user, password string) Config {
	t.Helper()
	cfg, err := ParseURL(srv.URL(user, password))
	require.NoError(t, err)
	cfg.BackoffMin = 5 * time.Millisecond
	cfg.BackoffMax = 100 * time.Millisecond
	cfg.IOTimeout = 5 * time.Second
	cfg.OnError = func(err error) { t.Logf("hotstore error: %v", err) }
	return cfg
}

// newTestWriter starts a Writer and closes it when the test ends.
func newTestWriter(t *testing.T, cfg Config) *Writer {
	t.Helper()
	w, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.Close(ctx)
	})
	return w
}

func openStream(t *testing.T, w *Writer, path string) *Stream {
	t.Helper()
	s, err := w.Open(path)
	require.NoError(t, err)
	return s
}

func flush(t *testing.T, f interface{ Flush(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	require.NoError(t, f.Flush(ctx))
}

// connRecord renders record number i of path as a conn.log-like Zeek JSON
// line; the number makes every record distinct and its position checkable.
func connRecord(path string, i int) []byte {
	return fmt.Appendf(nil, `{"_path":%q,"ts":%d.%06d,"uid":"C%016x","id.orig_h":"10.0.%d.%d",`+
		`"id.orig_p":%d,"id.resp_h":"93.184.216.34","id.resp_p":443,"proto":"tcp","service":"ssl",`+
		`"duration":0.123456,"orig_bytes":517,"resp_bytes":4301,"conn_state":"SF","history":"ShADadFf",`+
		`"orig_pkts":12,"resp_pkts":10,"seq":%d}`,
		path, 1700000000+i/1000, i%1000*1000, i, (i>>8)&255, i&255, 1024+i%60000, i)
}

// connRecords returns records from..to-1 of path.
func connRecords(path string, from, to int) [][]byte {
	out := make([][]byte, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, connRecord(path, i))
	}
	return out
}

func asStrings(records [][]byte) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = string(r)
	}
	return out
}

// streamEntry is one stream entry as XRANGE returns it.
type streamEntry struct {
	ID     string
	Fields []string
}

// readStream returns every entry of key in order, paging through XRANGE.
func readStream(t *testing.T, c redis.Conn, key string) []streamEntry {
	t.Helper()
	var out []streamEntry
	start := "-"
	for {
		reply, err := redis.Values(c.Do("XRANGE", key, start, "+", "COUNT", 10000))
		require.NoError(t, err)
		if len(reply) == 0 {
			return out
		}
		for _, e := range reply {
			parts, err := redis.Values(e, nil)
			require.NoError(t, err)
			id, err := redis.String(parts[0], nil)
			require.NoError(t, err)
			fields, err := redis.Strings(parts[1], nil)
			require.NoError(t, err)
			out = append(out, streamEntry{ID: id, Fields: fields})
		}
		start = "(" + out[len(out)-1].ID
	}
}

// streamJSON reads key and returns the "json" field of every entry,
// failing if an entry holds anything else.
func streamJSON(t *testing.T, c redis.Conn, key string) []string {
	t.Helper()
	entries := readStream(t, c, key)
	out := make([]string, len(entries))
	for i, e := range entries {
		require.Len(t, e.Fields, 2, "entry %s must hold exactly one field", e.ID)
		require.Equal(t, "json", e.Fields[0], "entry %s", e.ID)
		out[i] = e.Fields[1]
	}
	return out
}

// errorLog collects what a Writer reports through Config.OnError.
type errorLog struct {
	mu    sync.Mutex
	drops []*DropError
	other []error
}

func (l *errorLog) record(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var de *DropError
	if errors.As(err, &de) {
		l.drops = append(l.drops, de)
		return
	}
	l.other = append(l.other, err)
}

func (l *errorLog) droppedTotal() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, d := range l.drops {
		n += d.Dropped
	}
	return n
}

func (l *errorLog) otherErrors() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.other...)
}
