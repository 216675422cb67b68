package coldstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// entry is one stream entry: its ID and the record in its "json" field
// (nil when the entry has no such field).
type entry struct {
	ID     string
	Record []byte
	// Gone: the entry was pending but its data no longer exists (trimmed
	// or deleted by someone who did not respect the group).
	Gone bool
}

// document is an entry made ready for Elasticsearch.
type document struct {
	entry
	Index  string
	DocID  string
	Source []byte // the record with @timestamp added
}

// errNoRecord marks an entry that carries no "json" field.
var errNoRecord = errors.New("stream entry has no \"" + recordField + "\" field")

// newDocument turns a stream entry of path into a document. An error means
// the record can never be indexed (it is not a JSON object, or its ts is
// unreadable): it goes to the dead-letter stream without a round trip.
func newDocument(t targets, path string, e entry) (document, error) {
	if e.Record == nil {
		return document{}, errNoRecord
	}
	rec := bytes.TrimSpace(e.Record)
	var ecs *ecsFields
	if t.ecs {
		ecs = &ecsFields{}
	}
	fields, err := scanRecord(rec, ecs)
	if err != nil {
		return document{}, err
	}
	when, err := recordTime(fields.Ts, e.ID)
	if err != nil {
		return document{}, err
	}
	if fields.LineBreak { // the bulk format is one line per document
		var buf bytes.Buffer
		if err := json.Compact(&buf, rec); err != nil {
			return document{}, fmt.Errorf("record is not valid JSON: %w", err)
		}
		rec = buf.Bytes()
		if ecs != nil { // the ECS fields must come from the one-line record
			*ecs = ecsFields{}
			if fields, err = scanRecord(rec, ecs); err != nil {
				return document{}, err
			}
		}
	}
	src := rec
	switch {
	case t.ecs:
		src = ecsDocument(path, rec, fields.ECS, when)
	case fields.Timestamp == nil:
		src = withTimestamp(rec, when)
	}
	return document{entry: e, Index: t.index(path, when), DocID: documentID(path, e), Source: src}, nil
}

// recordTime is the record's ts, or, for the few logs without one, the
// time the record reached Redis (its entry ID).
func recordTime(ts json.RawMessage, entryID string) (time.Time, error) {
	if ts == nil || string(ts) == "null" {
		return entryTime(entryID)
	}
	t, err := parseZeekTime(ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("field ts: %w", err)
	}
	return t, nil
}

// withTimestamp inserts "@timestamp" as the first key of the object rec.
func withTimestamp(rec []byte, t time.Time) []byte {
	stamp := t.UTC().Format(time.RFC3339Nano)
	rest := bytes.TrimSpace(rec[1:])
	out := make([]byte, 0, len(rec)+len(stamp)+20)
	out = append(out, `{"@timestamp":"`...)
	out = append(out, stamp...)
	out = append(out, '"')
	if len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...)
}

// documentID is the same for every delivery of one stream entry, so that
// a record delivered twice (after a crash before XACK, or taken over from
// a dead shipper) overwrites itself instead of becoming two documents. It
// hashes the path, the entry ID and the record: entry IDs are arrival
// times, so two sensors' Redis servers can hand out the same ID for
// different records bound for the same index, and the record's bytes keep
// those apart.
func documentID(path string, e entry) string {
	h := sha256.New()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(e.ID))
	h.Write([]byte{0})
	h.Write(e.Record)
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:18]) // 144 bits, 24 characters
}
