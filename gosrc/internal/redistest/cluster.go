package redistest

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// clusterTimeout bounds how long forming a cluster or settling a slot move
// may take before the test fails. It is a hang guard, not a speed target.
const clusterTimeout = 60 * time.Second

// Cluster is a Redis Cluster of masters without replicas, each a Server
// that can be stopped, killed and restarted like a single one: a node keeps
// its identity (nodes.conf in its directory) and rejoins.
type Cluster struct {
	// Nodes are the masters; node i starts with the i-th share of the slots.
	Nodes []*Server
}

// StartCluster starts n redis-servers with cluster-enabled yes on free
// loopback ports, shares the 16384 slots among them in n ranges, joins them
// with CLUSTER MEET and waits until every node reports cluster_state:ok
// and the same slot map. opts apply to every node (Password and TLS are
// not supported here: the harness talks to nodes as the default user in
// plain text). Every node is stopped when the test ends.
func StartCluster(t testing.TB, n int, opts Options) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("redistest: a cluster needs at least one node, not %d", n)
	}
	if opts.Password != "" || opts.TLS {
		t.Fatalf("redistest: StartCluster does not support Password or TLS")
	}
	opts.Config = append([]string{
		"cluster-enabled yes",
		"cluster-config-file nodes.conf",
		// A node that is down this long is marked failed (and, without
		// replicas, the cluster stops serving until it is back).
		"cluster-node-timeout 2000",
	}, opts.Config...)
	c := &Cluster{}
	for range n {
		c.Nodes = append(c.Nodes, Start(t, opts))
	}
	if err := c.form(); err != nil {
		t.Fatalf("redistest: form cluster: %v", err)
	}
	return c
}

// form gives each node its slots and an epoch, joins them, and waits.
func (c *Cluster) form() error {
	per := clusterSlots / len(c.Nodes)
	for i, s := range c.Nodes {
		first, last := i*per, (i+1)*per-1
		if i == len(c.Nodes)-1 {
			last = clusterSlots - 1
		}
		// Distinct epochs from the start, as redis-cli --cluster create
		// sets them, so no node has to win a collision later.
		if err := s.do("CLUSTER", "SET-CONFIG-EPOCH", i+1); err != nil {
			return err
		}
		if err := s.do("CLUSTER", "ADDSLOTSRANGE", first, last); err != nil {
			return err
		}
	}
	for _, s := range c.Nodes[1:] {
		if err := c.Nodes[0].do("CLUSTER", "MEET", "127.0.0.1", s.Port); err != nil {
			return err
		}
	}
	return c.WaitStable()
}

// do runs one command on a fresh administrative connection.
func (s *Server) do(cmd string, args ...any) error {
	_, err := s.doReply(cmd, args...)
	return err
}

func (s *Server) doReply(cmd string, args ...any) (any, error) {
	c, err := s.Dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	reply, err := c.Do(cmd, args...)
	if err != nil {
		return nil, fmt.Errorf("%s %v on %s: %w", cmd, args, s.Addr(), err)
	}
	return reply, nil
}

// Addrs are the nodes' host:port, in order.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		out[i] = s.Addr()
	}
	return out
}

// WaitStable waits until every running node reports cluster_state:ok, knows
// every node, and all of them give the same slot map.
func (c *Cluster) WaitStable() error {
	deadline := time.Now().Add(clusterTimeout)
	var last error
	for time.Now().Before(deadline) {
		if last = c.stable(); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("cluster not stable within %v: %w", clusterTimeout, last)
}

func (c *Cluster) stable() error {
	var first map[int]string
	for _, s := range c.Nodes {
		info, err := redis.String(s.doReply("CLUSTER", "INFO"))
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("%s: not cluster_state:ok", s.Addr())
		}
		if !strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d\r\n", len(c.Nodes))) {
			return fmt.Errorf("%s does not know all %d nodes yet", s.Addr(), len(c.Nodes))
		}
		m, err := s.slotOwners()
		if err != nil {
			return err
		}
		if len(m) != clusterSlots {
			return fmt.Errorf("%s: %d of %d slots served", s.Addr(), len(m), clusterSlots)
		}
		if first == nil {
			first = m
			continue
		}
		for slot, owner := range m {
			if first[slot] != owner {
				return fmt.Errorf("nodes disagree on slot %d: %s and %s", slot, first[slot], owner)
			}
		}
	}
	return nil
}

// slotOwners reads CLUSTER SLOTS on s: the master address of each slot.
func (s *Server) slotOwners() (map[int]string, error) {
	ranges, err := redis.Values(s.doReply("CLUSTER", "SLOTS"))
	if err != nil {
		return nil, err
	}
	out := make(map[int]string, clusterSlots)
	for _, r := range ranges {
		parts, err := redis.Values(r, nil)
		if err != nil || len(parts) < 3 {
			return nil, fmt.Errorf("CLUSTER SLOTS on %s: odd range %v", s.Addr(), r)
		}
		first, _ := redis.Int(parts[0], nil)
		last, _ := redis.Int(parts[1], nil)
		master, err := redis.Values(parts[2], nil)
		if err != nil || len(master) < 2 {
			return nil, fmt.Errorf("CLUSTER SLOTS on %s: odd node %v", s.Addr(), parts[2])
		}
		host, _ := redis.String(master[0], nil)
		port, _ := redis.Int(master[1], nil)
		for slot := first; slot <= last; slot++ {
			out[slot] = net.JoinHostPort(host, strconv.Itoa(port))
		}
	}
	return out, nil
}

// Slot is the hash slot of key, as the cluster computes it.
func (c *Cluster) Slot(key string) (int, error) {
	return redis.Int(c.Nodes[0].doReply("CLUSTER", "KEYSLOT", key))
}

// Owner is the node serving key's slot, by the first running node's map.
func (c *Cluster) Owner(key string) (*Server, error) {
	slot, err := c.Slot(key)
	if err != nil {
		return nil, err
	}
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		m, err := s.slotOwners()
		if err != nil {
			return nil, err
		}
		for _, n := range c.Nodes {
			if n.Addr() == m[slot] {
				return n, nil
			}
		}
		return nil, fmt.Errorf("slot %d of %s is served by %q, not a node of this cluster", slot, key, m[slot])
	}
	return nil, errors.New("no node is running")
}

// NodeID is the cluster node id of s.
func (s *Server) NodeID() (string, error) {
	return redis.String(s.doReply("CLUSTER", "MYID"))
}

// MoveSlot moves slot from the node serving it to node to, as redis-cli
// --cluster reshard does, while clients may be writing: StartSlotMove,
// MigrateKeys, Finish.
func (c *Cluster) MoveSlot(slot int, to *Server) error {
	m, err := c.StartSlotMove(slot, to)
	if err != nil {
		return err
	}
	if err := m.MigrateKeys(); err != nil {
		return err
	}
	return m.Finish()
}

// SlotMove is a slot migration under way: the target is importing the
// slot, the source migrating it. Between the steps, clients meet every
// state a real resharding shows: ASK for keys that have left the source,
// TRYAGAIN for a command on keys now on both sides.
type SlotMove struct {
	c            *Cluster
	slot         int
	from, to     *Server
	fromID, toID string
}

// StartSlotMove sets to importing and the slot's current node migrating.
func (c *Cluster) StartSlotMove(slot int, to *Server) (*SlotMove, error) {
	owners, err := c.Nodes[0].slotOwners()
	if err != nil {
		return nil, err
	}
	m := &SlotMove{c: c, slot: slot, to: to}
	for _, s := range c.Nodes {
		if s.Addr() == owners[slot] {
			m.from = s
		}
	}
	if m.from == nil {
		return nil, fmt.Errorf("slot %d is served by %q, not a node of this cluster", slot, owners[slot])
	}
	if m.from == to {
		return nil, fmt.Errorf("slot %d is on %s already", slot, to.Addr())
	}
	if m.fromID, err = m.from.NodeID(); err != nil {
		return nil, err
	}
	if m.toID, err = to.NodeID(); err != nil {
		return nil, err
	}
	if err := to.do("CLUSTER", "SETSLOT", slot, "IMPORTING", m.fromID); err != nil {
		return nil, err
	}
	if err := m.from.do("CLUSTER", "SETSLOT", slot, "MIGRATING", m.toID); err != nil {
		return nil, err
	}
	return m, nil
}

// MigrateKeys moves the slot's keys one MIGRATE per key, until the source
// holds none.
func (m *SlotMove) MigrateKeys() error {
	for {
		keys, err := redis.Strings(m.from.doReply("CLUSTER", "GETKEYSINSLOT", m.slot, 1))
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		if err := m.from.do("MIGRATE", "127.0.0.1", m.to.Port, "", 0, 10_000, "KEYS", keys[0]); err != nil {
			return err
		}
	}
}

// Finish tells every node the slot's new owner, the target first so that
// it serves the slot before the source sends clients there, and waits
// until the cluster agrees.
func (m *SlotMove) Finish() error {
	for _, s := range append([]*Server{m.to, m.from}, m.c.Nodes...) {
		if err := s.do("CLUSTER", "SETSLOT", m.slot, "NODE", m.toID); err != nil {
			return err
		}
	}
	return m.c.WaitStable()
}
