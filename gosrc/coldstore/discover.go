package coldstore

import (
	"fmt"
	"strings"

	"github.com/gomodule/redigo/redis"
)

// discover lists the log paths that have a record stream under the key
// prefix. Paths whose name cannot be part of an index name are reported
// and left out.
func (s *Shipper) discover() ([]string, error) {
	c, err := s.dialer.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	prefix := s.cfg.Redis.KeyPrefix
	pattern := globEscape(prefix) + "*"
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
			p, ok := pathOfKey(prefix, k)
			if !ok {
				continue
			}
			if err := checkPath(p); err != nil {
				s.report.report(fmt.Errorf("coldstore: stream %s left alone: %w", k, err))
				continue
			}
			paths = append(paths, p)
		}
		if cursor == "0" {
			return paths, nil
		}
	}
}

// globEscape quotes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
