package main

import (
	"fmt"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

func TestStatusShowsLengthLagPendingDead(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	url := srv.URL("", "") + "/0"
	// conn and dns are written with the cold tier's group protected (the
	// writer creates it); http without.
	writeLog(t, url+" protect-group=cloudtap", "conn", tailRecords(0, 70))
	writeLog(t, url+" protect-group=cloudtap", "dns", tailRecords(0, 36))
	writeLog(t, url, "http", tailRecords(0, 5))

	// A shipper has read 10 conn records and acknowledged 4; 2 went to the
	// dead-letter stream.
	c := srv.Conn(t)
	read, err := redis.Values(c.Do("XREADGROUP", "GROUP", "cloudtap", "shipper-1", "COUNT", 10, "STREAMS", "zeek:conn", ">"))
	require.NoError(t, err)
	entries, err := redis.Values(read[0].([]any)[1], nil)
	require.NoError(t, err)
	require.Len(t, entries, 10)
	for _, e := range entries[:4] {
		id, _, err := entryRecord(e)
		require.NoError(t, err)
		_, err = c.Do("XACK", "zeek:conn", "cloudtap", id)
		require.NoError(t, err)
	}
	for i := range 2 {
		_, err = c.Do("XADD", "zeek:conn:dead", "*", "json", fmt.Sprintf(`{"n":%d}`, i), "error", "mapper_parsing_exception")
		require.NoError(t, err)
	}

	code, stdout, stderr := runCmd("status", "--redis", url)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, ""+
		"PATH  LENGTH  LAG (cloudtap)  PENDING  DEAD\n"+
		"conn  70      60              6        2\n"+
		"dns   36      36              0        0\n"+
		"http  5       -               -        0\n", stdout)

	code, stdout, stderr = runCmd("status", "http", "nope", "--group", "other", "--redis", url)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, ""+
		"PATH  LENGTH  LAG (other)  PENDING  DEAD\n"+
		"http  5       -            -        0\n"+
		"nope  -       -            -        0\n", stdout)
}

func TestStatusWithNoStreams(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	t.Setenv("CLOUDTAP_REDIS_URL", srv.URL("", "")+"/0 prefix=other:")
	writeLog(t, srv.URL("", "")+"/0", "conn", tailRecords(0, 1))
	code, stdout, stderr := runCmd("status")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "no log streams under \"other:\"\n", stdout)
}

func TestStatusRefusesBadInput(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	code, _, stderr := runCmd("status", "--redis", srv.URL("", "")+"/0?mode=list")
	assert.Equal(t, 2, code)
	assert.Equal(t, "cloudtap status: --redis: status reads streams; mode=list keeps no stream\n", stderr)

	code, _, stderr = runCmd("status", "--colour")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "flag provided but not defined: -colour")

	require.NoError(t, srv.Stop())
	code, _, stderr = runCmd("status", "--redis", srv.URL("", "")+"/0")
	assert.Equal(t, 1, code)
	assert.Equal(t, fmt.Sprintf("cloudtap status: connect to redis at %s: dial tcp %s: connect: connection refused\n", srv.Addr(), srv.Addr()), stderr)
}
