package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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

func TestCWriterFromFourThreads(t *testing.T) {
	bin := buildWriterDemo(t)
	srv := redistest.Start(t, redistest.Options{})
	const threads, per = 4, 5000
	out, err := exec.Command(bin, srv.URL("", "")+"/0?prefix=demo:", "conn", fmt.Sprint(threads), fmt.Sprint(per)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, fmt.Sprintf("stats %d 0 0 0\n", threads*per), string(out))

	c := srv.Conn(t)
	entries, err := redis.Values(c.Do("XRANGE", "demo:conn", "-", "+"))
	require.NoError(t, err)
	require.Len(t, entries, threads*per, "every record exactly once")
	next := make([]int, threads) // the n each thread must show next: order per thread kept
	for _, e := range entries {
		kv, err := redis.Values(e, nil)
		require.NoError(t, err)
		fields, err := redis.StringMap(kv[1], nil)
		require.NoError(t, err)
		var rec struct {
			UID    string `json:"uid"`
			Thread int    `json:"thread"`
			N      int    `json:"n"`
		}
		require.NoError(t, json.Unmarshal([]byte(fields["json"]), &rec))
		require.Equal(t, next[rec.Thread], rec.N, "thread %d out of order", rec.Thread)
		require.Equal(t, fmt.Sprintf("t%d-%d", rec.Thread, rec.N), rec.UID)
		next[rec.Thread]++
	}
}

func TestCWriterRejectsBadInput(t *testing.T) {
	bin := buildWriterDemo(t)
	out, err := exec.Command(bin, "http://nowhere", "conn", "1", "1").CombinedOutput()
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(string(out), "writer_open: hotstore: invalid option scheme=\"http\""), "%s", out)
}
