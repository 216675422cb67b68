package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/cloudtap/cloudtap/gosrc/internal/streamreply"
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
	read, err := c.Do("XREADGROUP", "GROUP", "cloudtap", "shipper-1", "COUNT", 10, "STREAMS", "zeek:conn", ">")
	require.NoError(t, err)
	entries, err := streamreply.OneStream(read)
	require.NoError(t, err)
	require.Len(t, entries, 10)
	for _, e := range entries[:4] {
		_, err = c.Do("XACK", "zeek:conn", "cloudtap", e.ID)
		require.NoError(t, err)
	}
	// One under the tagged name, one under the name before 0.2: both count.
	for i, key := range []string{"{zeek:conn}:dead", "zeek:conn:dead"} {
		_, err = c.Do("XADD", key, "*", "json", fmt.Sprintf(`{"n":%d}`, i), "error", "mapper_parsing_exception")
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

// On a Redis Cluster, status lists the paths of every node (a SCAN sees
// one node's keys) and reads each where it lives; tail reads a stream
// from its node.
func TestStatusAndTailOnARedisCluster(t *testing.T) {
	cluster := redistest.StartCluster(t, 3, redistest.Options{})
	addrs := cluster.Addrs()
	url := "redis://" + addrs[0] + " cluster=yes cluster-nodes=" + strings.Join(addrs[1:], ",")
	paths := []string{"conn", "dns", "http", "ssl", "files"}
	nodes := map[string]bool{}
	want := "PATH   LENGTH  LAG (cloudtap)  PENDING  DEAD\n"
	for i, p := range paths {
		owner, err := cluster.Owner(rediskey.Records("zeek:", p))
		require.NoError(t, err)
		nodes[owner.Addr()] = true
		writeLog(t, url+" protect-group=cloudtap", p, tailRecords(0, 10+i))
	}
	require.GreaterOrEqual(t, len(nodes), 2, "the streams are on different nodes")
	for _, p := range []string{"conn", "dns", "files", "http", "ssl"} { // sorted
		n := 10 + slices.Index(paths, p)
		want += fmt.Sprintf("%-6s %-7d %-15d %-8d %d\n", p, n, n, 0, 0)
	}
	code, stdout, stderr := runCmd("status", "--redis", url)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, want, stdout)

	code, stdout, stderr = runCmd("tail", "ssl", "--count", "2", "--redis", url)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, lines(tailRecords(11, 13)), stdout, "the last two of ssl's 13 records")
}
