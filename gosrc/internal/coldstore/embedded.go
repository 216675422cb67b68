package coldstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// Ship adds path to the paths being shipped, at once rather than at the
// next discovery. A writer that runs the shipper in its own process (see
// package logwriter) calls it when it opens a log, with the log's schema:
// the index template is then built from it even when the writer has not
// yet stored the schema in Redis, which it does in the background. A nil
// schema leaves the shipper to find one (Config.Schemas, then Redis); a
// schema in Config.Schemas comes first. Called before Run, the path
// starts with Run. A path that cannot be part of an index name, or a
// schema that does not check, is an error.
func (s *Shipper) Ship(path string, schema zeekschema.Schema) error {
	if err := checkPath(path); err != nil {
		return fmt.Errorf("coldstore: log %s cannot be shipped: %w", path, err)
	}
	if len(schema) > 0 {
		if err := schema.Check(); err != nil {
			return fmt.Errorf("coldstore: log %s: %w", path, err)
		}
	}
	s.mu.Lock()
	if len(schema) > 0 {
		s.given[path] = schema
	}
	start := s.start
	if start == nil {
		if s.stopped {
			s.mu.Unlock()
			return fmt.Errorf("coldstore: log %s: the shipper has stopped", path)
		}
		s.asked = append(s.asked, path)
	}
	s.mu.Unlock()
	if start != nil {
		start(path)
	}
	return nil
}

// caughtUpPoll is how often WaitShipped asks Redis.
const caughtUpPoll = 100 * time.Millisecond

// WaitShipped waits until the group has acknowledged every entry of the
// streams of paths (shipped, or moved to the dead-letter stream), and
// returns nil; or until ctx ends, and returns an error saying how many
// entries are still waiting in Redis. A stream that does not exist has
// nothing to wait for. The writer calls it at close, so that a short Zeek
// run's logs reach Elasticsearch before the process ends.
func (s *Shipper) WaitShipped(ctx context.Context, paths []string) error {
	var last error
	for {
		left, err := s.unacknowledged(paths)
		if err == nil && len(left) == 0 {
			return nil
		}
		last = err
		if err == nil {
			last = fmt.Errorf("%s still waiting in Redis", strings.Join(left, ", "))
		}
		t := time.NewTimer(caughtUpPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("coldstore: not everything reached Elasticsearch before the close timeout "+
				"(it stays in Redis for the next shipper): %w", last)
		case <-t.C:
		}
	}
}

// unacknowledged describes each path whose group still has entries to
// ship, as "conn: 12 entries".
func (s *Shipper) unacknowledged(paths []string) ([]string, error) {
	c, err := s.dialer.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var left []string
	for _, p := range paths {
		r := groupReader{key: rediskey.Records(s.cfg.Redis.KeyPrefix, p), group: s.cfg.Group}
		n, _, err := r.groupLag(c)
		switch {
		case err != nil && isNoSuchKey(err):
			continue
		case err != nil:
			return nil, err
		case n < 0:
			left = append(left, p+": an unknown number of entries")
		case n > 0:
			left = append(left, fmt.Sprintf("%s: %d entries", p, n))
		}
	}
	return left, nil
}

// isNoSuchKey: Redis's answer to XINFO GROUPS on a stream that was never
// written.
func isNoSuchKey(err error) bool { return strings.Contains(err.Error(), "no such key") }
