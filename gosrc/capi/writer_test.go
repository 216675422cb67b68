package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// buildWriterDemo compiles testdata/writerdemo.c against the archive's
// generated header, as the plugin does.
func buildWriterDemo(t *testing.T) string {
	dir := filepath.Dir(buildDemo(t)) // builds libcloudtap.a and its header there
	bin := filepath.Join(dir, "writerdemo")
	out, err := exec.Command("cc", "-Wall", "-Werror", "-O1", "-I", dir, "-I", ".", "-o", bin,
		filepath.Join("testdata", "writerdemo.c"), filepath.Join(dir, "libcloudtap.a"), "-lpthread").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// runWriterDemo runs the C program and returns its stdout and stderr.
func runWriterDemo(t *testing.T, bin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// demoConfig is a writer configuration for srv. The close timeout is a
// hang guard for a loaded machine, not a speed target.
func demoConfig(srv *redistest.Server, extra string) string {
	return srv.URL("", "") + "/0 close-timeout=60s backoff-min=5ms " + extra
}

// checkThreadOrder checks that records from writerdemo hold every record
// of every thread exactly once, each thread's in the order written.
func checkThreadOrder(t *testing.T, jsonRecords []string, threads, per int) {
	t.Helper()
	require.Len(t, jsonRecords, threads*per, "every record exactly once")
	next := make([]int, threads)
	for _, js := range jsonRecords {
		var rec struct {
			UID    string `json:"uid"`
			Thread int    `json:"thread"`
			N      int    `json:"n"`
		}
		require.NoError(t, json.Unmarshal([]byte(js), &rec), js)
		require.Equal(t, next[rec.Thread], rec.N, "thread %d out of order", rec.Thread)
		require.Equal(t, fmt.Sprintf("t%d-%d", rec.Thread, rec.N), rec.UID)
		next[rec.Thread]++
	}
}

func TestCWriterFromFourThreads(t *testing.T) {
	bin := buildWriterDemo(t)
	srv := redistest.Start(t, redistest.Options{})
	const threads, per = 4, 5000
	stdout, stderr, err := runWriterDemo(t, bin, demoConfig(srv, "prefix=demo:"), "conn", fmt.Sprint(threads), fmt.Sprint(per))
	require.NoError(t, err, stderr)
	assert.Equal(t, fmt.Sprintf("log %d 0 0 0\nwriter %d 0 0 0\n", threads*per, threads*per), stdout)
	assert.Empty(t, stderr)

	c := srv.Conn(t)
	entries, err := redis.Values(c.Do("XRANGE", "demo:conn", "-", "+"))
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		kv, err := redis.Values(e, nil)
		require.NoError(t, err)
		fields, err := redis.StringMap(kv[1], nil)
		require.NoError(t, err)
		got = append(got, fields["json"])
	}
	checkThreadOrder(t, got, threads, per)

	schema, err := redis.String(c.Do("GET", "{demo:conn}:schema"))
	require.NoError(t, err)
	assert.Equal(t, `[{"name":"uid","type":"string"},{"name":"thread","type":"count"},{"name":"n","type":"count"}]`, schema)
}

func TestCWriterListMode(t *testing.T) {
	bin := buildWriterDemo(t)
	srv := redistest.Start(t, redistest.Options{})
	const threads, per = 4, 2000
	stdout, stderr, err := runWriterDemo(t, bin, demoConfig(srv, "mode=list"), "dns", fmt.Sprint(threads), fmt.Sprint(per))
	require.NoError(t, err, stderr)
	assert.Equal(t, fmt.Sprintf("log %d 0 0 0\nwriter %d 0 0 0\n", threads*per, threads*per), stdout)
	got, err := redis.Strings(srv.Conn(t).Do("LRANGE", "zeek:dns", 0, -1))
	require.NoError(t, err)
	checkThreadOrder(t, got, threads, per)
}

func TestCWriterPubSubMode(t *testing.T) {
	bin := buildWriterDemo(t)
	srv := redistest.Start(t, redistest.Options{})
	sub := redis.PubSubConn{Conn: srv.Conn(t)}
	require.NoError(t, sub.Subscribe("zeek:ssl"))
	_, ok := sub.Receive().(redis.Subscription)
	require.True(t, ok, "first message must confirm the subscription")

	const threads, per = 4, 1000
	received := make(chan []string)
	go func() {
		var got []string
		for len(got) < threads*per {
			m, ok := sub.ReceiveWithTimeout(60 * time.Second).(redis.Message)
			if !ok {
				break // the count check below reports what is missing
			}
			got = append(got, string(m.Data))
		}
		received <- got
	}()
	stdout, stderr, err := runWriterDemo(t, bin, demoConfig(srv, "mode=pubsub"), "ssl", fmt.Sprint(threads), fmt.Sprint(per))
	require.NoError(t, err, stderr)
	assert.Equal(t, fmt.Sprintf("log %d 0 0 0\nwriter %d 0 0 0\n", threads*per, threads*per), stdout)
	checkThreadOrder(t, <-received, threads, per)
}

// TestCWriterReportsDrops: Redis is down at open (not an error), the
// buffer holds 10 records, 15 are written: 5 are dropped at once and named,
// the other 10 when close gives up on them. Nothing is lost silently.
func TestCWriterReportsDrops(t *testing.T) {
	bin := buildWriterDemo(t)
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())
	config := srv.URL("", "") + "/0 buffer-max-records=10 block-timeout=0s close-timeout=300ms"
	stdout, stderr, err := runWriterDemo(t, bin, config, "conn", "1", "15", "keep-going")
	require.NoError(t, err, stderr)
	assert.Equal(t, "log 0 10 5 0\nwriter 0 0 15 0\n", stdout)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	var calls []string
	for _, l := range lines {
		if strings.HasPrefix(l, "write: ") || strings.HasPrefix(l, "flush: ") || strings.HasPrefix(l, "log_close: ") ||
			strings.HasPrefix(l, "writer_close: ") {
			calls = append(calls, l)
		}
	}
	require.Len(t, calls, 3, stderr) // the writer closes cleanly: the log already reported its loss
	assert.True(t, strings.HasPrefix(calls[0],
		`write: cloudtap: log conn: hotstore: DROPPED 5 records of log path "conn": buffer full`), calls[0])
	assert.True(t, strings.HasPrefix(calls[1],
		`flush: cloudtap: log conn: flush: hotstore: flush "conn": 10 records still buffered`), calls[1])
	assert.Contains(t, calls[2], `log_close: cloudtap: log conn: close: hotstore: DROPPED 10 records of log path "conn": not delivered before close`)
}

// TestCWriterQueuedMessagesNameTheOutage: opened with
// cloudtap_writer_open_queued, the writer tells of Redis being down through
// cloudtap_writer_next_message, and nothing of its own reaches stderr; the
// drops still come back from the calls that made them, once.
func TestCWriterQueuedMessagesNameTheOutage(t *testing.T) {
	bin := buildWriterDemo(t)
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())
	config := srv.URL("", "") + "/0 buffer-max-records=10 block-timeout=0s close-timeout=300ms"
	stdout, stderr, err := runWriterDemo(t, bin, config, "conn", "1", "15", "keep-going", "queued")
	require.NoError(t, err, stderr)
	assert.Equal(t, "log 0 10 5 0\nwriter 0 0 15 0\n", stdout)
	var messages, drops int
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		switch {
		case strings.HasPrefix(l, "message: "):
			messages++
			assert.True(t, strings.HasPrefix(l, "message: cloudtap: Redis: connect to redis at "+srv.Addr()+": "), l)
			assert.Contains(t, l, "connection refused")
			assert.NotContains(t, l, "DROPPED", "drops are reported by the calls that made them")
		case strings.HasPrefix(l, "write: "), strings.HasPrefix(l, "flush: "), strings.HasPrefix(l, "log_close: "):
			if strings.Contains(l, "DROPPED") {
				drops++
			}
		default:
			assert.Fail(t, "a line on stderr that neither a call nor a message wrote", l)
		}
	}
	assert.Positive(t, messages, "the outage is told as a message: %s", stderr)
	assert.Equal(t, 2, drops, "5 dropped at write, 10 at close: %s", stderr)
}

func TestCWriterRejectsBadInput(t *testing.T) {
	bin := buildWriterDemo(t)
	for _, tc := range []struct{ config, path, want string }{
		{"http://nowhere", "conn", `writer_open: cloudtap: hotstore: invalid option scheme="http": want redis:// or rediss://`},
		{"redis://127.0.0.1:1/0 mode=sideways", "conn",
			`writer_open: cloudtap: writer: invalid option mode="sideways": want stream, list or pubsub`},
		{"redis://127.0.0.1:1/0?maxlen=-1", "conn", `writer_open: cloudtap: writer: invalid option maxlen="-1": want a whole number, 0 or more`},
		{"redis://127.0.0.1:1/0", "", "log_open: cloudtap: log : hotstore: open: empty log path"},
		{"redis://127.0.0.1:1/0", "co{nn", `log_open: cloudtap: log co{nn: hotstore: open log path "co{nn": must not contain braces`},
	} {
		stdout, stderr, err := runWriterDemo(t, bin, tc.config, tc.path, "1", "1")
		require.Error(t, err, tc.config)
		assert.Empty(t, stdout)
		assert.Equal(t, tc.want+"\n", stderr, tc.config)
	}
}
