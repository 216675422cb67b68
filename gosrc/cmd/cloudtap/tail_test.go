package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// waitTimeout bounds waits for a healthy local server; not a speed target.
const waitTimeout = 60 * time.Second

// tailRecords are n distinct conn-like records.
func tailRecords(from, to int) [][]byte {
	out := make([][]byte, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Appendf(nil, `{"ts":%d.5,"uid":"C%d","id.orig_h":"10.0.0.%d"}`, 1700000000+i, i, i%250))
	}
	return out
}

func lines(recs [][]byte) string {
	var b strings.Builder
	for _, r := range recs {
		b.Write(r)
		b.WriteByte('\n')
	}
	return b.String()
}

// writeLog writes records to path through the writer and waits for Redis.
func writeLog(t *testing.T, config, path string, recs [][]byte) {
	t.Helper()
	w, err := logwriter.Open(config)
	require.NoError(t, err)
	l, err := w.OpenLog(path, nil)
	require.NoError(t, err)
	require.NoError(t, l.Write(recs))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, w.Close(ctx))
}

func TestTailStreamShowsTheNewest(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	url := srv.URL("", "") + "/0"
	recs := tailRecords(0, 25)
	writeLog(t, url, "conn", recs)

	code, stdout, stderr := runCmd("tail", "conn", "--redis", url)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, lines(recs[15:]), stdout, "the newest 10, oldest first")

	code, stdout, stderr = runCmd("tail", "--count", "3", "conn", "--redis", url)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, lines(recs[22:]), stdout)

	code, stdout, stderr = runCmd("tail", "--count", "100", "conn", "--redis", url)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, lines(recs), stdout)
}

func TestTailListMode(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	t.Setenv(logwriter.EnvRedisURL, srv.URL("", "")+"/0 mode=list")
	recs := tailRecords(0, 12)
	writeLog(t, srv.URL("", "")+"/0 mode=list", "dns", recs)
	code, stdout, stderr := runCmd("tail", "dns", "--count", "4")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, lines(recs[8:]), stdout)
}

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCmd runs a command in the background; the channel gives its exit
// code.
func startCmd(args ...string) (*syncBuffer, *syncBuffer, <-chan int) {
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(args, &out, &errOut) }()
	return &out, &errOut, done
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "waiting for %s", what)
		time.Sleep(10 * time.Millisecond)
	}
}

// blockedInXREAD reports whether some client waits in XREAD.
func blockedInXREAD(t *testing.T, c redis.Conn) bool {
	list, err := redis.String(c.Do("CLIENT", "LIST"))
	require.NoError(t, err)
	return strings.Contains(list, "cmd=xread")
}

func TestTailFollowStream(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	url := srv.URL("", "") + "/0"
	writeLog(t, url, "conn", tailRecords(0, 5)) // already there: not shown by --follow

	stdout, stderr, done := startCmd("tail", "conn", "--follow", "--count", "7", "--redis", url)
	c := srv.Conn(t)
	waitFor(t, "tail to block in XREAD", func() bool { return blockedInXREAD(t, c) })
	recs := tailRecords(5, 15)
	writeLog(t, url, "conn", recs)
	select {
	case code := <-done:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(waitTimeout):
		t.Fatal("tail --follow --count 7 did not end")
	}
	assert.Equal(t, lines(recs[:7]), stdout.String(), "the first 7 records written after it started")
}

func TestTailFollowPubSub(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	config := srv.URL("", "") + "/0 mode=pubsub"
	stdout, stderr, done := startCmd("tail", "ssl", "--count", "4", "--redis", config)
	c := srv.Conn(t)
	waitFor(t, "tail to subscribe", func() bool {
		reply, err := redis.Values(c.Do("PUBSUB", "NUMSUB", "zeek:ssl"))
		require.NoError(t, err)
		n, err := redis.Int(reply[1], nil)
		require.NoError(t, err)
		return n == 1
	})
	recs := tailRecords(0, 6)
	writeLog(t, config, "ssl", recs)
	select {
	case code := <-done:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(waitTimeout):
		t.Fatal("tail --count 4 in pubsub mode did not end")
	}
	assert.Equal(t, lines(recs[:4]), stdout.String())
}

func TestTailRefusesBadInput(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	url := srv.URL("", "") + "/0"
	writeLog(t, url, "conn", tailRecords(0, 2))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--redis", url}, 2, "want one log path, e.g. cloudtap tail conn"},
		{[]string{"conn", "dns", "--redis", url}, 2, "want one log path, e.g. cloudtap tail conn"},
		{[]string{"conn", "--count", "-1", "--redis", url}, 2, "--count must not be negative"},
		{[]string{"conn", "--follow", "--redis", url + " mode=list"}, 2, "--follow needs mode=stream or pubsub: a trimmed list does not show what is new"},
		{[]string{"conn", "--redis", "redis://h:0"}, 2, `--redis: hotstore: invalid option port="0": want a number from 1 to 65535`},
		{[]string{"nope", "--redis", url}, 1, "zeek:nope does not exist: no records yet, or another prefix or database"},
		{[]string{"conn", "--redis", url + " mode=list"}, 1, "zeek:conn is a stream, not a list: give the mode it was written with (mode=stream)"},
	} {
		code, stdout, stderr := runCmd(append([]string{"tail"}, tc.args...)...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, stderr)
		assert.Equal(t, "cloudtap tail: "+tc.want+"\n", stderr, "%v", tc.args)
		assert.Empty(t, stdout)
	}
}
