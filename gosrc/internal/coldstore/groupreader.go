package coldstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/streamreply"
)

// groupReader reads one stream through the consumer group, as one
// consumer.
type groupReader struct {
	key, group, consumer string
}

// ensureGroup creates the group, reading from the stream's start, and the
// stream if it does not exist yet. The writer's protect-group creates the
// same group the same way; whichever comes first wins, and both start at 0
// so that no record written before either is skipped.
func (g *groupReader) ensureGroup(c redis.Conn) error {
	_, err := c.Do("XGROUP", "CREATE", g.key, g.group, "0", "MKSTREAM")
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("XGROUP CREATE %s %s: %w", g.key, g.group, err)
	}
	return nil
}

// readNew takes up to count entries never delivered to the group, waiting
// up to block for the first one. ctx ends the wait early.
func (g *groupReader) readNew(ctx context.Context, c redis.Conn, count int, block time.Duration) ([]entry, error) {
	ms := max(block.Milliseconds(), 1) // BLOCK 0 would wait forever
	reply, err := redis.DoContext(c, ctx, "XREADGROUP", "GROUP", g.group, g.consumer,
		"COUNT", count, "BLOCK", ms, "STREAMS", g.key, ">")
	if err != nil {
		return nil, fmt.Errorf("XREADGROUP %s: %w", g.key, err)
	}
	return g.streamEntries(reply)
}

// readOwnPending takes up to count of this consumer's own pending entries
// after ID after: what it was delivered before a crash or restart and never
// acknowledged.
func (g *groupReader) readOwnPending(c redis.Conn, after string, count int) ([]entry, error) {
	reply, err := c.Do("XREADGROUP", "GROUP", g.group, g.consumer, "COUNT", count, "STREAMS", g.key, after)
	if err != nil {
		return nil, fmt.Errorf("XREADGROUP %s (own pending): %w", g.key, err)
	}
	return g.streamEntries(reply)
}

// streamEntries reads an XREAD-style reply for the one key read.
func (g *groupReader) streamEntries(reply any) ([]entry, error) {
	es, err := streamreply.OneStream(reply)
	if err != nil {
		return nil, fmt.Errorf("XREADGROUP %s: %w", g.key, err)
	}
	return entriesOf(es), nil
}

// parseEntries reads [[id, [field, value, ...]], ...]. An entry whose data
// is gone (deleted or trimmed while pending) has nil fields; it is
// returned marked Gone.
func parseEntries(reply any) ([]entry, error) {
	es, err := streamreply.Entries(reply)
	if err != nil {
		return nil, err
	}
	return entriesOf(es), nil
}

// entriesOf keeps of each entry its ID, its record and whether it is gone.
func entriesOf(es []streamreply.Entry) []entry {
	out := make([]entry, len(es))
	for i, e := range es {
		out[i] = entry{ID: e.ID, Gone: e.Gone}
		out[i].Record, _ = e.Field(recordField)
	}
	return out
}

// autoclaim takes over up to count pending entries of any consumer that
// have been idle longer than minIdle, scanning from cursor. It returns the
// next cursor ("0-0" when the scan is complete), the entries, and the IDs
// of pending entries whose data no longer exists (Redis 7 drops those from
// the pending list itself).
func (g *groupReader) autoclaim(c redis.Conn, minIdle time.Duration, cursor string, count int) (string, []entry, []string, error) {
	reply, err := redis.Values(c.Do("XAUTOCLAIM", g.key, g.group, g.consumer,
		max(minIdle.Milliseconds(), 1), cursor, "COUNT", count))
	if err != nil {
		return "", nil, nil, fmt.Errorf("XAUTOCLAIM %s: %w", g.key, err)
	}
	if len(reply) < 2 {
		return "", nil, nil, fmt.Errorf("XAUTOCLAIM %s: unexpected reply", g.key)
	}
	next, err := redis.String(reply[0], nil)
	if err != nil {
		return "", nil, nil, fmt.Errorf("XAUTOCLAIM %s: unexpected cursor: %w", g.key, err)
	}
	entries, err := parseEntries(reply[1])
	if err != nil {
		return "", nil, nil, fmt.Errorf("XAUTOCLAIM %s: %w", g.key, err)
	}
	var deleted []string
	if len(reply) > 2 {
		if deleted, err = redis.Strings(reply[2], nil); err != nil {
			return "", nil, nil, fmt.Errorf("XAUTOCLAIM %s: unexpected deleted IDs: %w", g.key, err)
		}
	}
	return next, entries, deleted, nil
}

// touch resets the idle time of entries this consumer is still working on
// (a long retry during an outage), so that other shippers do not take
// them over while it is alive. JUSTID leaves the delivery counter alone.
func (g *groupReader) touch(c redis.Conn, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := redis.Args{g.key, g.group, g.consumer, 0}.AddFlat(ids).Add("JUSTID")
	if _, err := c.Do("XCLAIM", args...); err != nil {
		return fmt.Errorf("XCLAIM %s (keep-alive): %w", g.key, err)
	}
	return nil
}

// ack acknowledges ids; it returns how many were still pending.
func (g *groupReader) ack(c redis.Conn, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := redis.Int(c.Do("XACK", redis.Args{g.key, g.group}.AddFlat(ids)...))
	if err != nil {
		return 0, fmt.Errorf("XACK %s: %w", g.key, err)
	}
	return n, nil
}

// groupLag is how many entries of the stream the group has not
// acknowledged: pending, plus not yet delivered (Redis 7's "lag"; -1 when
// Redis cannot tell), and of them the pending: delivered to a shipper and
// not yet acknowledged.
func (g *groupReader) groupLag(c redis.Conn) (lagTotal, pendingOut int64, err error) {
	groups, err := redis.Values(c.Do("XINFO", "GROUPS", g.key))
	if err != nil {
		return 0, 0, fmt.Errorf("XINFO GROUPS %s: %w", g.key, err)
	}
	for _, gr := range groups {
		m, err := mixedMap(gr)
		if err != nil {
			return 0, 0, fmt.Errorf("XINFO GROUPS %s: %w", g.key, err)
		}
		if m["name"] != g.group {
			continue
		}
		var pending, lag int64
		if _, err := fmt.Sscan(m["pending"], &pending); err != nil {
			return 0, 0, fmt.Errorf("XINFO GROUPS %s: pending %q: %w", g.key, m["pending"], err)
		}
		if _, err := fmt.Sscan(m["lag"], &lag); err != nil {
			return -1, pending, nil // lag unknown (nil), or Redis < 7
		}
		return pending + lag, pending, nil
	}
	return 0, 0, fmt.Errorf("XINFO GROUPS %s: group %s is missing", g.key, g.group)
}

// mixedMap reads a flat [name, value, ...] reply with values of any type
// as strings; nil becomes "".
func mixedMap(reply any) (map[string]string, error) {
	vs, err := redis.Values(reply, nil)
	if err != nil || len(vs)%2 != 0 {
		return nil, errors.New("unexpected XINFO reply")
	}
	m := make(map[string]string, len(vs)/2)
	for i := 0; i < len(vs); i += 2 {
		k, err := redis.String(vs[i], nil)
		if err != nil {
			return nil, errors.New("unexpected XINFO field name")
		}
		switch v := vs[i+1].(type) {
		case nil:
			m[k] = ""
		case []byte:
			m[k] = string(v)
		default:
			m[k] = fmt.Sprint(v)
		}
	}
	return m, nil
}
