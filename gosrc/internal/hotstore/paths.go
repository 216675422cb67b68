package hotstore

import (
	"fmt"
	"slices"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// StreamPaths lists the log paths that have a record stream under prefix,
// sorted: on the server, or on every master of a cluster (a SCAN sees one
// node's keys). Sub-keys of a path (its schema, dead letters) are not
// paths of their own (rediskey.PathOf). The shipper's discovery and
// cloudtap status list paths this way.
func (d *Dialer) StreamPaths(prefix string) ([]string, error) {
	addrs := []string{d.addr}
	if d.cluster != nil {
		var err error
		if addrs, err = d.cluster.masterAddrs(); err != nil {
			return nil, err
		}
	}
	var paths []string
	for _, addr := range addrs {
		c, err := d.dialAddr(addr)
		if err != nil {
			return nil, err
		}
		found, err := scanStreams(c, prefix)
		c.Close()
		if err != nil {
			return nil, fmt.Errorf("redis at %s: %w", addr, err)
		}
		paths = append(paths, found...)
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil
}

// scanStreams lists the paths of the record streams under prefix on one
// node.
func scanStreams(c redis.Conn, prefix string) ([]string, error) {
	pattern := rediskey.Pattern(prefix)
	var paths []string
	cursor := "0"
	for {
		reply, err := redis.Values(c.Do("SCAN", cursor, "MATCH", pattern, "COUNT", 1000, "TYPE", "stream"))
		if err != nil {
			return nil, fmt.Errorf("SCAN %s: %w", pattern, err)
		}
		if len(reply) != 2 {
			return nil, fmt.Errorf("SCAN %s: unexpected reply", pattern)
		}
		if cursor, err = redis.String(reply[0], nil); err != nil {
			return nil, fmt.Errorf("SCAN %s: unexpected cursor: %w", pattern, err)
		}
		keys, err := redis.Strings(reply[1], nil)
		if err != nil {
			return nil, fmt.Errorf("SCAN %s: unexpected keys: %w", pattern, err)
		}
		for _, k := range keys {
			if p, ok := rediskey.PathOf(prefix, k); ok {
				paths = append(paths, p)
			}
		}
		if cursor == "0" {
			return paths, nil
		}
	}
}
