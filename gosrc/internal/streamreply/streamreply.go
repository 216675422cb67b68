// Package streamreply reads Redis stream replies (XRANGE, XREVRANGE,
// XREAD, XREADGROUP, XAUTOCLAIM) into entries: the one reading of their
// nested arrays that the shipper, the input reader and cloudtap tail share.
package streamreply

import (
	"errors"
	"fmt"

	"github.com/gomodule/redigo/redis"
)

// Entry is one stream entry: its ID and its field/value pairs in order.
type Entry struct {
	ID     string
	Fields [][]byte // field, value, field, value, ...
	// Gone: a pending entry whose data no longer exists (deleted or
	// trimmed), which XREADGROUP and XCLAIM return with nil fields.
	Gone bool
}

// Field is the value of the field called name (a later repeat wins, as
// in Map).
func (e Entry) Field(name string) (value []byte, ok bool) {
	for i := 0; i+1 < len(e.Fields); i += 2 {
		if string(e.Fields[i]) == name {
			value, ok = e.Fields[i+1], true
		}
	}
	return value, ok
}

// Map is the entry's fields by name (a later repeat wins).
func (e Entry) Map() map[string]string {
	m := make(map[string]string, len(e.Fields)/2)
	for i := 0; i+1 < len(e.Fields); i += 2 {
		m[string(e.Fields[i])] = string(e.Fields[i+1])
	}
	return m
}

// Entries reads [[id, [field, value, ...]], ...]. A nil item (a deleted
// entry in Redis 6.2's XAUTOCLAIM) is left out.
func Entries(reply any) ([]Entry, error) {
	items, err := redis.Values(reply, nil)
	if err != nil {
		return nil, fmt.Errorf("unexpected entries reply: %w", err)
	}
	out := make([]Entry, 0, len(items))
	for _, it := range items {
		if it == nil {
			continue
		}
		parts, err := redis.Values(it, nil)
		if err != nil || len(parts) != 2 {
			return nil, errors.New("unexpected entry in reply")
		}
		id, err := redis.String(parts[0], nil)
		if err != nil {
			return nil, fmt.Errorf("unexpected entry ID: %w", err)
		}
		e := Entry{ID: id}
		if parts[1] == nil {
			e.Gone = true
			out = append(out, e)
			continue
		}
		if e.Fields, err = redis.ByteSlices(parts[1], nil); err != nil || len(e.Fields)%2 != 0 {
			return nil, fmt.Errorf("entry %s: unexpected fields", id)
		}
		out = append(out, e)
	}
	return out, nil
}

// OneStream reads an XREAD or XREADGROUP reply for a single key: its
// entries, none when the reply is nil (a BLOCK that timed out).
func OneStream(reply any) ([]Entry, error) {
	if reply == nil {
		return nil, nil
	}
	streams, err := redis.Values(reply, nil)
	if err != nil || len(streams) > 1 {
		return nil, fmt.Errorf("unexpected reply for one stream: %v", reply)
	}
	if len(streams) == 0 {
		return nil, nil
	}
	pair, err := redis.Values(streams[0], nil)
	if err != nil || len(pair) != 2 {
		return nil, errors.New("unexpected stream in reply")
	}
	return Entries(pair[1])
}
