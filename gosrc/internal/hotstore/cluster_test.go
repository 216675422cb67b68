package hotstore

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

func TestParseURLCluster(t *testing.T) {
	cfg, err := ParseURL("redis://10.0.0.1:7000?cluster=yes&cluster-nodes=10.0.0.2:7000,10.0.0.3:7000")
	require.NoError(t, err)
	assert.True(t, cfg.Cluster)
	assert.Equal(t, "10.0.0.1:7000", cfg.Addr)
	assert.Equal(t, []string{"10.0.0.2:7000", "10.0.0.3:7000"}, cfg.ClusterNodes)

	for raw, option := range map[string]string{
		"redis://h:1/2?cluster=yes":                "db",
		"redis://h:1?cluster=maybe":                "cluster",
		"redis://h:1?cluster-nodes=h2:1":           "cluster-nodes",
		"redis://h:1?cluster=yes&cluster-nodes=h2": "cluster-nodes",
	} {
		_, err := ParseURL(raw)
		var oe *OptionError
		require.ErrorAs(t, err, &oe, raw)
		assert.Equal(t, option, oe.Option, raw)
	}
	cfg, err = ParseURL("redis://h:1?cluster=no")
	require.NoError(t, err)
	assert.False(t, cfg.Cluster)
}

// clusterTestConfig is testConfig for a cluster: the first node in the URL,
// the others as cluster-nodes.
func clusterTestConfig(t *testing.T, c *redistest.Cluster) Config {
	t.Helper()
	cfg := testConfig(t, c.Nodes[0], "", "")
	cfg.Cluster = true
	cfg.ClusterNodes = c.Addrs()[1:]
	return cfg
}

// pathsOnEveryNode picks log paths whose keys are served by different
// nodes: two per node.
func pathsOnEveryNode(t *testing.T, c *redistest.Cluster, prefix string) map[string]*redistest.Server {
	t.Helper()
	perNode := map[*redistest.Server]int{}
	out := map[string]*redistest.Server{}
	for i := 0; len(out) < 2*len(c.Nodes) && i < 1000; i++ {
		path := fmt.Sprintf("log%d", i)
		owner, err := c.Owner(prefix + path)
		require.NoError(t, err)
		if perNode[owner] < 2 {
			perNode[owner]++
			out[path] = owner
		}
	}
	require.Len(t, out, 2*len(c.Nodes), "paths on every node")
	return out
}

// readOnOwner reads key's records from the node that serves it now.
func readOnOwner(t *testing.T, c *redistest.Cluster, key string) []string {
	t.Helper()
	owner, err := c.Owner(key)
	require.NoError(t, err)
	return streamJSON(t, owner.Conn(t), key)
}

// Paths whose keys live on different nodes each reach their own node,
// exactly once and in order; the routed connection of Dialer.Dial reads
// them all back through one connection, and refuses SCAN.
func TestClusterWritesEachPathToTheNodeServingIt(t *testing.T) {
	c := redistest.StartCluster(t, 3, redistest.Options{})
	cfg := clusterTestConfig(t, c)
	cfg.BatchMaxRecords = 100
	w := newTestWriter(t, cfg)
	paths := pathsOnEveryNode(t, c, cfg.KeyPrefix)

	const total = 3000
	streams := map[string]*Stream{}
	for path := range paths {
		streams[path] = openStream(t, w, path)
	}
	for i := 0; i < total; i += 250 {
		for path, s := range streams {
			require.NoError(t, s.Write(connRecords(path, i, i+250)))
		}
	}
	flush(t, w)

	for path, owner := range paths {
		key := cfg.KeyPrefix + path
		requireExactSequence(t, connRecords(path, 0, total), streamJSON(t, owner.Conn(t), key))
	}
	st := w.Stats()
	assert.Equal(t, uint64(total*len(paths)), st.Written)
	assert.Zero(t, st.Dropped)

	d, err := NewDialer(cfg, "cloudtap-test")
	require.NoError(t, err)
	conn, err := d.Dial()
	require.NoError(t, err)
	defer conn.Close()
	for path := range paths {
		n, err := redis.Int(conn.Do("XLEN", cfg.KeyPrefix+path))
		require.NoError(t, err)
		assert.Equal(t, total, n, path)
		// A command whose key is not its first argument is redirected.
		groups, err := redis.Values(conn.Do("XINFO", "GROUPS", cfg.KeyPrefix+path))
		require.NoError(t, err)
		assert.Empty(t, groups)
	}
	_, err = conn.Do("SCAN", "0")
	assert.ErrorContains(t, err, "one node only")
}

// writeUntil writes numbered records of path in chunks from *next until
// stop is closed, then returns; next is left at the first unwritten one.
func writeUntil(t *testing.T, s *Stream, path string, next *int, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := s.Write(connRecords(path, *next, *next+50)); err != nil {
			t.Errorf("write: %v", err)
			return
		}
		*next += 50
		time.Sleep(time.Millisecond)
	}
}

// A path's slot moved to another node while records are written, twice:
// the writer meets MOVED (and, during the migration, ASK or TRYAGAIN),
// follows, and the stream on its new node holds every record exactly once
// and in order.
func TestClusterSlotMovedWhileWritingKeepsExactlyOnce(t *testing.T) {
	c := redistest.StartCluster(t, 3, redistest.Options{})
	cfg := clusterTestConfig(t, c)
	cfg.BatchMaxRecords = 50 // many batches pipelined through the migration
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	key := s.Key()
	slot, err := c.Slot(key)
	require.NoError(t, err)

	next := 0
	require.NoError(t, s.Write(connRecords("conn", 0, 500)))
	next = 500
	flush(t, s) // connected to the first owner

	for move := range 2 {
		owner, err := c.Owner(key)
		require.NoError(t, err)
		var target *redistest.Server
		for _, n := range c.Nodes {
			if n != owner {
				target = n
				break
			}
		}
		reconnects := s.Stats().Reconnects
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go writeUntil(t, s, "conn", &next, stop, &wg)
		require.NoError(t, c.MoveSlot(slot, target), "move %d", move)
		close(stop)
		wg.Wait()
		// More records after the move, for the old connection to meet the
		// new owner's MOVED.
		require.NoError(t, s.Write(connRecords("conn", next, next+500)))
		next += 500
		flush(t, s)
		assert.Greater(t, s.Stats().Reconnects, reconnects, "move %d: the writer followed the slot", move)
		moved, err := c.Owner(key)
		require.NoError(t, err)
		require.Same(t, target, moved)
	}
	requireExactSequence(t, connRecords("conn", 0, next), readOnOwner(t, c, key))
	assert.Zero(t, s.Stats().Dropped)
}

// A node killed (SIGKILL) and restarted while paths on every node are
// written: with no replica the whole cluster refuses writes until it is
// back (CLUSTERDOWN), the writer buffers, and afterwards every path holds
// each record exactly once, in order. The nodes run with appendonly yes
// and appendfsync always (redistest repairs a torn append-only file on
// restart, as an operator would; see hotstore's README).
func TestClusterNodeKilledAndRestartedKeepsExactlyOnce(t *testing.T) {
	c := redistest.StartCluster(t, 3, redistest.Options{AppendOnly: true})
	log := &errorLog{}
	cfg := clusterTestConfig(t, c)
	cfg.OnError = log.record
	cfg.BatchMaxRecords = 100
	w := newTestWriter(t, cfg)
	paths := pathsOnEveryNode(t, c, cfg.KeyPrefix)
	streams := map[string]*Stream{}
	var victim *redistest.Server
	for path, owner := range paths {
		streams[path] = openStream(t, w, path)
		victim = owner
	}

	const total, chunk = 20_000, 200
	for i := 0; i < total; i += chunk {
		if i == 6_000 {
			require.NoError(t, victim.Kill())
			errorsBefore := len(log.otherErrors())
			require.Eventually(t, func() bool { return len(log.otherErrors()) > errorsBefore },
				flushTimeout, 5*time.Millisecond, "the writer meets the dead node")
		}
		if i == 12_000 {
			require.NoError(t, victim.Restart())
		}
		for path, s := range streams {
			require.NoError(t, s.Write(connRecords(path, i, i+chunk)))
		}
	}
	flush(t, w)
	require.NoError(t, c.WaitStable())
	for path := range paths {
		requireExactSequence(t, connRecords(path, 0, total), readOnOwner(t, c, cfg.KeyPrefix+path))
	}
	assert.Zero(t, w.Stats().Dropped)
}

// While a path's slot is half-way through a migration (every key already
// on the importing node, the slot not yet handed over), the old node
// answers ASK: the writer delivers to the importing node with ASKING, and
// after the hand-over the stream holds every record once, in order.
func TestClusterASKDuringMigrationDeliversToTheImportingNode(t *testing.T) {
	c := redistest.StartCluster(t, 3, redistest.Options{})
	log := &errorLog{}
	cfg := clusterTestConfig(t, c)
	cfg.OnError = log.record
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "dns")
	slot, err := c.Slot(s.Key())
	require.NoError(t, err)
	owner, err := c.Owner(s.Key())
	require.NoError(t, err)
	target := c.Nodes[0]
	if target == owner {
		target = c.Nodes[1]
	}

	require.NoError(t, s.Write(connRecords("dns", 0, 500)))
	flush(t, s)
	move, err := c.StartSlotMove(slot, target)
	require.NoError(t, err)
	require.NoError(t, move.MigrateKeys())

	require.NoError(t, s.Write(connRecords("dns", 500, 1000)))
	flush(t, s)
	var asked bool
	for _, e := range log.otherErrors() {
		asked = asked || strings.Contains(e.Error(), "ASK ")
	}
	assert.True(t, asked, "the old node answered ASK: %v", log.otherErrors())

	require.NoError(t, move.Finish())
	require.NoError(t, s.Write(connRecords("dns", 1000, 1500)))
	flush(t, s)
	requireExactSequence(t, connRecords("dns", 0, 1500), streamJSON(t, target.Conn(t), s.Key()))
	assert.Zero(t, s.Stats().Dropped)
}
