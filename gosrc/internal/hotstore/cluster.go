package hotstore

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/mna/redisc"
)

// Redis Cluster support. A path's key and its writer's marker share a hash
// tag (markerKey), so every delivery script concerns one slot and runs on
// one node; the writer only has to find that node:
//
//   - each connect (the first, and every reconnect after an error) reads
//     the slot map again with CLUSTER SLOTS, so a failover or a slot moved
//     while the writer was away is seen before it sends;
//   - a MOVED reply sends the next connect straight to the node it names;
//   - an ASK reply (the slot is being migrated and the key has left)
//     sends it to the importing node, with ASKING before every command;
//   - TRYAGAIN (a migration has moved some of the slot's keys and not
//     others) and CLUSTERDOWN are errors like any other: back off, retry.
//
// None of these replies means a script ran, and a resent batch carries its
// number, so the marker keeps delivery exactly once through all of them.
// Slot migration moves the marker with the stream: MIGRATE keeps each key
// whole, and while the two are on different nodes both refuse the script
// (TRYAGAIN), because a node that is migrating or importing a slot runs a
// multi-key command only when it has every key.

const (
	// clusterRedirects bounds how many redirects a routed connection
	// follows for one command.
	clusterRedirects = 5
	// tryAgainDelay is a routed connection's pause before resending a
	// command refused with TRYAGAIN.
	tryAgainDelay = 50 * time.Millisecond
)

// clusterMap knows which node serves each slot. redisc.Cluster reads the
// map from any node it knows and keeps it up to date after MOVED replies;
// clusterMap keeps a copy of the masters to dial them itself.
type clusterMap struct {
	c     *redisc.Cluster
	seeds string // the configured nodes, for messages

	mu      sync.Mutex
	masters [redisc.HashSlots]string // "" where no node serves the slot
}

func newClusterMap(seeds []string, opts []redis.DialOption) *clusterMap {
	m := &clusterMap{seeds: strings.Join(seeds, ",")}
	m.c = &redisc.Cluster{StartupNodes: seeds, DialOptions: opts, LayoutRefresh: m.learn}
	return m
}

func (m *clusterMap) learn(_, layout [redisc.HashSlots][]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for slot, nodes := range layout {
		m.masters[slot] = ""
		if len(nodes) > 0 {
			m.masters[slot] = nodes[0]
		}
	}
}

// refresh reads the slot map again.
func (m *clusterMap) refresh() error {
	if err := m.c.Refresh(); err != nil {
		return fmt.Errorf("read the slot map of redis cluster at %s: %w", m.seeds, err)
	}
	return nil
}

// nodeFor reads the slot map again and returns the master serving key.
func (m *clusterMap) nodeFor(key string) (string, error) {
	if err := m.refresh(); err != nil {
		return "", err
	}
	slot := redisc.Slot(key)
	m.mu.Lock()
	addr := m.masters[slot]
	m.mu.Unlock()
	if addr == "" {
		return "", fmt.Errorf("redis cluster at %s: no node serves slot %d (key %s)", m.seeds, slot, key)
	}
	return addr, nil
}

// masterAddrs reads the slot map again and returns every master, each
// once.
func (m *clusterMap) masterAddrs() ([]string, error) {
	if err := m.refresh(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var addrs []string
	for _, a := range m.masters {
		if a != "" && !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("redis cluster at %s: no node serves any slot", m.seeds)
	}
	return addrs, nil
}

// routed returns a connection for commands on any keys (see Dialer.Dial).
func (m *clusterMap) routed() (redis.Conn, error) {
	if err := m.refresh(); err != nil {
		return nil, err
	}
	c, err := m.c.Dial()
	if err != nil {
		return nil, fmt.Errorf("redis cluster at %s: %w", m.seeds, err)
	}
	retry, err := redisc.RetryConn(c, clusterRedirects, tryAgainDelay)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &routedConn{Conn: c.(*redisc.Conn), retry: retry}, nil
}

// routedConn sends each Do to the node serving the command's key and
// follows redirects (redisc.RetryConn). Send, Flush and Receive go to the
// node the first Send chose, which is what SUBSCRIBE needs: a cluster
// delivers every PUBLISH to subscribers on every node.
type routedConn struct {
	*redisc.Conn
	retry redis.Conn
}

func (r *routedConn) Do(cmd string, args ...any) (any, error) {
	if err := refuseNodeLocal(cmd); err != nil {
		return nil, err
	}
	return r.retry.Do(cmd, args...)
}

func (r *routedConn) DoWithTimeout(timeout time.Duration, cmd string, args ...any) (any, error) {
	if err := refuseNodeLocal(cmd); err != nil {
		return nil, err
	}
	return r.Conn.DoWithTimeout(timeout, cmd, args...)
}

// refuseNodeLocal stops commands that answer for one node's keys, which
// on a cluster would give a quietly partial answer.
func refuseNodeLocal(cmd string) error {
	switch strings.ToUpper(cmd) {
	case "SCAN", "KEYS", "RANDOMKEY", "DBSIZE", "FLUSHDB", "FLUSHALL":
		return fmt.Errorf("hotstore: %s on a Redis Cluster would see the keys of one node only; name the keys (log paths) instead", cmd)
	}
	return nil
}

// askingConn sends ASKING before every command: the node is importing the
// slot (an ASK redirect named it) and serves it only to a client that asks
// each time.
type askingConn struct{ redis.Conn }

func (a askingConn) Send(cmd string, args ...any) error {
	if err := a.Conn.Send("ASKING"); err != nil {
		return err
	}
	return a.Conn.Send(cmd, args...)
}

// Receive reads ASKING's reply, then the command's.
func (a askingConn) Receive() (any, error) {
	if _, err := a.Conn.Receive(); err != nil {
		return nil, err
	}
	return a.Conn.Receive()
}

func (a askingConn) Do(cmd string, args ...any) (any, error) {
	if cmd == "" {
		return a.Conn.Do(cmd)
	}
	if err := a.Conn.Send("ASKING"); err != nil {
		return nil, err
	}
	return a.Conn.Do(cmd, args...)
}

// redirectOf returns the MOVED or ASK redirect err holds, or nil.
func redirectOf(err error) *redisc.RedirError {
	var reply redis.Error
	if errors.As(err, &reply) {
		return redisc.ParseRedir(reply)
	}
	return nil
}
