package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/cloudtap/cloudtap/gosrc/internal/streamreply"
)

// zeekLog is a log Zeek 8.0.10 wrote, kept with package zeekschema's
// tests: <path>.log as TSV, <path>.json.log as JSON, same records.
func zeekLog(name string) string {
	return filepath.Join("..", "..", "internal", "zeekschema", "testdata", name)
}

// fileLines returns a file's non-empty lines.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// streamJSON returns the records of a stream, in order.
func streamJSON(t *testing.T, c redis.Conn, key string) []string {
	t.Helper()
	reply, err := c.Do("XRANGE", key, "-", "+")
	require.NoError(t, err)
	entries, err := streamreply.Entries(reply)
	require.NoError(t, err)
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		rec, err := entryRecord(e)
		require.NoError(t, err)
		out = append(out, rec)
	}
	return out
}

// sameValues compares two JSON records as values; numbers may differ in
// the seventh decimal, where TSV logs round and JSON logs do not.
func sameValues(t *testing.T, want, got string, where string) {
	t.Helper()
	var w, g map[string]any
	require.NoError(t, json.Unmarshal([]byte(want), &w), where)
	require.NoError(t, json.Unmarshal([]byte(got), &g), where)
	require.Len(t, g, len(w), "%s: fields\nwant %s\n got %s", where, want, got)
	for k, wv := range w {
		if wf, ok := wv.(float64); ok {
			require.InDelta(t, wf, g[k], 5e-7, "%s: %s", where, k)
			continue
		}
		require.Equal(t, wv, g[k], "%s: %s", where, k)
	}
}

func TestIngestTSVLogMatchesZeekJSON(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	want := fileLines(t, zeekLog("conn.json.log"))
	code, stdout, stderr := runCmd("ingest", "--redis", srv.URL("", "")+"/0", zeekLog("conn.log"))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, fmt.Sprintf("conn: %d records into zeek:conn\n", len(want)), stdout)

	c := srv.Conn(t)
	got := streamJSON(t, c, "zeek:conn")
	require.Len(t, got, len(want))
	for i := range want {
		sameValues(t, want[i], got[i], fmt.Sprintf("record %d", i+1))
	}
	schema, err := redis.String(c.Do("GET", "{zeek:conn}:schema"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(schema, `[{"name":"ts","type":"time"},{"name":"uid","type":"string"},{"name":"id.orig_h","type":"addr"}`), schema)
}

func TestIngestJSONLogWithSchema(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	want := fileLines(t, zeekLog("dns.json.log"))
	code, stdout, stderr := runCmd("ingest", "--path", "dns", "--schema", zeekLog("dns.log"),
		"--redis", srv.URL("", "")+"/0 prefix=backfill:", zeekLog("dns.json.log"))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, fmt.Sprintf("dns: %d records into backfill:dns\n", len(want)), stdout)
	assert.Equal(t, want, streamJSON(t, srv.Conn(t), "backfill:dns"), "JSON records are stored byte for byte")
}

func TestIngestStdinGzipAndSeveralPaths(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	// stdin: a gzipped TSV log, as Zeek rotates them.
	f, err := os.Open(gzipCopy(t, zeekLog("http.log"), "http.log.gz"))
	require.NoError(t, err)
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = saved }()

	code, stdout, stderr := runCmd("ingest", "--redis", srv.URL("", "")+"/0", zeekLog("ssh.log"), "-", zeekLog("files.log"))
	require.Equal(t, 0, code, stderr)
	nHTTP, nSSH, nFiles := len(fileLines(t, zeekLog("http.json.log"))), len(fileLines(t, zeekLog("ssh.json.log"))), len(fileLines(t, zeekLog("files.json.log")))
	assert.Equal(t, fmt.Sprintf("files: %d records into zeek:files\nhttp: %d records into zeek:http\nssh: %d records into zeek:ssh\n",
		nFiles, nHTTP, nSSH), stdout)
	c := srv.Conn(t)
	assert.Len(t, streamJSON(t, c, "zeek:http"), nHTTP)
	assert.Len(t, streamJSON(t, c, "zeek:ssh"), nSSH)
	assert.Len(t, streamJSON(t, c, "zeek:files"), nFiles)
}

func TestIngestListMode(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	want := fileLines(t, zeekLog("ssl.json.log"))
	code, _, stderr := runCmd("ingest", "--path", "ssl", "--redis", srv.URL("", "")+"/0?mode=list", zeekLog("ssl.json.log"))
	require.Equal(t, 0, code, stderr)
	got, err := redis.Strings(srv.Conn(t).Do("LRANGE", "zeek:ssl", 0, -1))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestIngestStopsAtTheFirstBadLine(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	good := fileLines(t, zeekLog("dns.json.log"))[:3]
	bad := filepath.Join(t.TempDir(), "dns.json")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Join(good, "\n")+"\n{\"ts\":\n"+good[0]+"\n"), 0o600))
	code, stdout, stderr := runCmd("ingest", "--path", "dns", "--redis", srv.URL("", "")+"/0", bad)
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap ingest: "+bad+`: line 4: not a JSON object: {"ts":`+"\n", stderr)
	assert.Equal(t, "dns: 3 records into zeek:dns\n", stdout, "what came before is loaded, and said so")
	assert.Len(t, streamJSON(t, srv.Conn(t), "zeek:dns"), 3)
}

func TestIngestRefusesBadInput(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	url := srv.URL("", "") + "/0"
	dir := t.TempDir()
	wrongType := filepath.Join(dir, "conn.json")
	require.NoError(t, os.WriteFile(wrongType, []byte(`{"ts":1.5,"id.orig_p":"80"}`+"\n"), 0o600))
	csv := filepath.Join(dir, "conn.csv")
	require.NoError(t, os.WriteFile(csv, []byte("ts,uid\n"), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{zeekLog("conn.json.log")}, zeekLog("conn.json.log") + ": a JSON log does not name its path: give --path"},
		{[]string{"--path", "conn", "--schema", zeekLog("conn.log"), wrongType}, wrongType + `: line 1: field "id.orig_p" (port): want a number, got a string`},
		{[]string{"--schema", zeekLog("dns.log"), zeekLog("conn.log")},
			zeekLog("conn.log") + ": line 9: the log's header differs from --schema: field 8 is service string, not trans_id count"},
		{[]string{"--path", "conn", csv}, csv + ": neither Zeek JSON (one object per line) nor a Zeek TSV log (#fields/#types header)"},
		{[]string{"--schema", csv, zeekLog("conn.log")}, "--schema " + csv + ": header has no #fields line"},
		{[]string{filepath.Join(dir, "missing.log")}, "stat " + filepath.Join(dir, "missing.log") + ": no such file or directory"},
		{[]string{"--path", "co{nn", zeekLog("conn.json.log")}, zeekLog("conn.json.log") + `: line 1: log co{nn: hotstore: open log path "co{nn": must not contain braces`},
		{[]string{"--wait", "0s", zeekLog("conn.log")}, "--wait must be positive"},
	} {
		code, stdout, stderr := runCmd(append([]string{"ingest", "--redis", url}, tc.args...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		assert.Equal(t, "cloudtap ingest: "+tc.want+"\n", stderr, "%v", tc.args)
		assert.Empty(t, stdout, "%v", tc.args)
	}
	code, _, stderr := runCmd("ingest", "--redis", "redis://127.0.0.1:6379/0 mode=sideways", zeekLog("conn.log"))
	assert.Equal(t, 2, code)
	assert.Equal(t, `cloudtap ingest: --redis: writer: invalid option mode="sideways": want stream, list or pubsub`+"\n", stderr)
}

func TestIngestRedisDownIsARuntimeFailure(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())
	t.Setenv("CLOUDTAP_REDIS_URL", srv.URL("", "")+"/0")
	code, _, stderr := runCmd("ingest", zeekLog("conn.log"))
	assert.Equal(t, 1, code)
	assert.Equal(t, fmt.Sprintf("cloudtap ingest: connect to redis at %s: dial tcp %s: connect: connection refused\n", srv.Addr(), srv.Addr()), stderr)
}
