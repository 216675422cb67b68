package coldstore

import "strings"

// Redis key names, by the convention the writer (package logwriter)
// documents: for log path P and key prefix X,
//
//	X P          the records, a stream with one field "json" per entry
//	X P :schema  the log's Zeek schema as JSON
//	X P :dead    records Elasticsearch refused for good
//
// They are repeated here rather than imported so that the writer can
// start a shipper without an import cycle; a test checks that both agree.

// StreamKey holds the records of path.
func StreamKey(prefix, path string) string { return prefix + path }

// SchemaKey holds the schema of path.
func SchemaKey(prefix, path string) string { return prefix + path + ":schema" }

// DeadLetterKey is the stream of path's records Elasticsearch refused.
func DeadLetterKey(prefix, path string) string { return prefix + path + ":dead" }

// recordField is the stream entry field holding the record's Zeek JSON.
const recordField = "json"

// pathOfKey returns the log path of a record stream key, and false for a
// key that is not one (another prefix, or a sub-key such as a dead-letter
// stream, whose names hold a ":" after the path).
func pathOfKey(prefix, key string) (string, bool) {
	p, ok := strings.CutPrefix(key, prefix)
	if !ok || p == "" || strings.Contains(p, ":") {
		return "", false
	}
	return p, true
}
