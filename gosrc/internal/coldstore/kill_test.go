package coldstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// A shipper stopped in the middle of a bulk request: its drain time runs
// out while the request is held, and the request still reaches the server
// afterwards, so 400 documents are indexed but never acknowledged; the
// last 200, read ahead meanwhile, are pending too. The same consumer,
// restarted, first ships its own pending entries again: every record ends
// up indexed exactly once.
func TestShipperCutOffMidBulkRestartsWithoutLossOrDuplicates(t *testing.T) {
	s := startServers(t)
	tp := newTap(t, s.es.URL())
	held, release := make(chan struct{}), make(chan struct{})
	var bulks atomic.Int32
	tp.setRefuse(func(r *http.Request) int {
		if strings.HasSuffix(r.URL.Path, "/_bulk") && bulks.Add(1) == 2 {
			close(held)
			<-release
		}
		return 0
	})
	c := s.redis.Conn(t)
	const n = 1000
	xaddConn(t, c, 0, n)
	cfg := testConfig(t, s, "a", "conn")
	cfg.ElasticsearchURL = tp.url(s.esURL())
	cfg.BatchMaxDocs = 400
	cfg.DrainTimeout = 200 * time.Millisecond

	first := startShipper(t, cfg)
	<-held
	eventually(t, "the last batch read ahead", func() bool { return pending(t, c, "zeek:conn", rediskey.DefaultGroup) == 600 })
	require.NoError(t, first.stop(), "a cut-off drain is a clean stop")
	close(release)
	assert.Equal(t, uint64(400), first.Stats().Shipped, "the first batch only")
	assert.Equal(t, 600, pending(t, c, "zeek:conn", rediskey.DefaultGroup), "the held batch and the one read ahead stay pending")
	s.es.WaitTotal(t, "zeek-conn-*", 800, waitTimeout) // ... although the server got it

	second := startShipper(t, cfg)
	s.es.WaitTotal(t, "zeek-conn-*", n, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return pending(t, c, "zeek:conn", rediskey.DefaultGroup) == 0 })
	require.NoError(t, second.stop())
	assert.Equal(t, uint64(600), second.Stats().Shipped, "the held 400 again, and the 200 read ahead")
	assert.Zero(t, second.Stats().Claimed, "its own entries, not taken over")
	distinct, docs := uniqueSeqs(t, s.es, "zeek-conn-*", 2*n)
	assert.Equal(t, n, distinct)
	assert.Equal(t, n, docs)
}

// A `cloudtap ship` process is killed (SIGKILL) while shipping 10 000
// records. Another shipper takes over its pending entries once they have
// been idle for claim-idle, and ships the rest: every record is indexed
// exactly once. Then the killed consumer starts again, ships new records,
// and stops cleanly on SIGTERM.
func TestShipProcessKilledMidBatchIsTakenOverByAnother(t *testing.T) {
	bin := buildCloudtap(t)
	s := startServers(t)
	c := s.redis.Conn(t)
	const n = 10000
	xaddConn(t, c, 0, n)
	schemaFile := filepath.Join(t.TempDir(), "conn.json")
	schemaJSON, err := json.Marshal(connSchema)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(schemaFile, schemaJSON, 0o600))
	args := []string{"ship", "--redis", s.redis.URL("", ""), "--paths", "conn", "--schema", schemaFile,
		"--consumer", "doomed", "--batch-size", "500", "--flush-interval", "50ms", "--stats-interval", "0",
		"--username", s.es.User}
	env := append(cleanEnv(), envForES(s)...)

	doomed := exec.Command(bin, args...)
	doomed.Env = env
	var doomedErr bytes.Buffer
	doomed.Stderr = &doomedErr
	require.NoError(t, doomed.Start())
	exited := make(chan struct{})
	go func() { _ = doomed.Wait(); close(exited) }()
	eventually(t, "the process to be mid-way", func() bool {
		select {
		case <-exited:
			t.Fatalf("cloudtap ship exited early: %s", doomedErr.String())
		default:
		}
		// Some batches acknowledged, one in flight. (The server's search
		// count trails what it has accepted, so Redis tells the progress.)
		return consumerPending(t, c, "doomed") > 0 && groupUnacked(t, c) <= n-2000
	})
	require.NoError(t, doomed.Process.Signal(syscall.SIGKILL))
	<-exited
	t.Logf("killed process said: %s", doomedErr.String())
	inFlight := consumerPending(t, c, "doomed")
	unacked := groupUnacked(t, c)
	require.Positive(t, inFlight)
	require.Less(t, unacked, n, "the killed shipper had acknowledged some batches")
	t.Logf("killed with %d entries in flight, %d unacknowledged", inFlight, unacked)

	cfg := testConfig(t, s, "rescuer", "conn")
	cfg.ClaimIdle = time.Second
	rescuer := startShipper(t, cfg)
	s.es.WaitTotal(t, "zeek-conn-*", n, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return pending(t, c, "zeek:conn", rediskey.DefaultGroup) == 0 })
	require.NoError(t, rescuer.stop())
	st := rescuer.Stats()
	assert.Equal(t, uint64(inFlight), st.Claimed, "exactly the killed shipper's pending entries were taken over")
	assert.Equal(t, uint64(unacked), st.Shipped, "exactly what the killed shipper had not acknowledged")
	assert.Zero(t, st.DeadLettered)
	distinct, docs := uniqueSeqs(t, s.es, "zeek-conn-*", 2*n)
	assert.Equal(t, n, distinct)
	assert.Equal(t, n, docs)

	xaddConn(t, c, n, n+500)
	again := exec.Command(bin, args...)
	again.Env = env
	var againErr bytes.Buffer
	again.Stderr = &againErr
	require.NoError(t, again.Start())
	s.es.WaitTotal(t, "zeek-conn-*", n+500, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return pending(t, c, "zeek:conn", rediskey.DefaultGroup) == 0 })
	require.NoError(t, again.Process.Signal(syscall.SIGTERM))
	require.NoError(t, again.Wait(), "SIGTERM is a clean exit: %s", againErr.String())
	assert.Contains(t, againErr.String(), "shipped 500 ")
}

// envForES points `cloudtap ship` at the test server through the
// environment, the way a deployment keeps the password off the command
// line.
func envForES(s servers) []string {
	return []string{
		"CLOUDTAP_ELASTICSEARCH_URL=" + s.es.URL(),
		"CLOUDTAP_ELASTICSEARCH_PASSWORD=" + s.es.Password,
	}
}

// consumerPending is how many entries of zeek:conn consumer holds
// unacknowledged.
func consumerPending(t *testing.T, c redis.Conn, consumer string) int {
	t.Helper()
	reply, err := redis.Values(c.Do("XPENDING", "zeek:conn", rediskey.DefaultGroup))
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		return 0 // the shipper has not created the group yet
	}
	require.NoError(t, err)
	if len(reply) < 4 || reply[3] == nil {
		return 0
	}
	consumers, err := redis.Values(reply[3], nil)
	require.NoError(t, err)
	for _, cs := range consumers {
		pair, err := redis.Strings(cs, nil)
		require.NoError(t, err)
		if pair[0] == consumer {
			var n int
			_, err := fmt.Sscan(pair[1], &n)
			require.NoError(t, err)
			return n
		}
	}
	return 0
}

// groupUnacked is pending plus not yet delivered, from XINFO GROUPS.
func groupUnacked(t *testing.T, c redis.Conn) int {
	t.Helper()
	lag, _, err := (&groupReader{key: "zeek:conn", group: rediskey.DefaultGroup}).groupLag(c)
	require.NoError(t, err)
	require.GreaterOrEqual(t, lag, int64(0))
	return int(lag)
}

// buildCloudtap builds the cloudtap command into the test's directory.
func buildCloudtap(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPING: no go command to build cloudtap with")
	}
	bin := filepath.Join(t.TempDir(), "cloudtap")
	out, err := exec.Command(goCmd, "build", "-o", bin, "github.com/cloudtap/cloudtap/gosrc/cmd/cloudtap").CombinedOutput()
	require.NoError(t, err, "go build cloudtap: %s", out)
	return bin
}
