// Package rediskey is the one definition of cloudtap's Redis key names.
// For log path P under key prefix X (default "zeek:"):
//
//	X P                          the records: a stream (one field "json" per entry), list or channel
//	{X P}:schema                 the log's Zeek schema, JSON [{"name":…,"type":…},…]
//	{X P}:dead                   records the cold tier refused for good (a stream)
//	{X P}:cloudtap:w:<id>        a writer's dedup marker (hotstore)
//	{X P}:cloudtap:ingest:<id>   an ingested input's progress (cloudtap ingest)
//
// Every per-path key carries the records key as its Redis Cluster hash
// tag, so that it lives in the records' slot, on the records' node: the
// scripts that touch both (delivery, dead-lettering) run there, and a
// cluster's shipper, ingest, tail and status find them there.
//
// Versions before 0.2 stored the schema at X P :schema and dead letters
// at X P :dead, without the tag. Readers still read those (Legacy*);
// writers write only the tagged names. README.md (Redis key layout)
// says how to move old keys.
package rediskey

import "strings"

// DefaultGroup is the consumer group the cold tier reads the streams with,
// and so the one the writer protects from retention, when protect-group
// names none.
const DefaultGroup = "cloudtap"

// Records is where the records of path go.
func Records(prefix, path string) string { return prefix + path }

// Schema holds the JSON schema of path.
func Schema(prefix, path string) string { return tagged(prefix, path, "schema") }

// DeadLetter is the stream of path's records the cold tier refused.
func DeadLetter(prefix, path string) string { return tagged(prefix, path, "dead") }

// LegacySchema is where versions before 0.2 stored the schema of path.
func LegacySchema(prefix, path string) string { return prefix + path + ":schema" }

// LegacyDeadLetter is where versions before 0.2 kept dead letters.
func LegacyDeadLetter(prefix, path string) string { return prefix + path + ":dead" }

// WriterMarker names the dedup marker of writer id for records key key.
func WriterMarker(key, id string) string { return "{" + key + "}:cloudtap:w:" + id }

// IngestProgress names the progress record of an ingested input, id, for
// records key key.
func IngestProgress(key, id string) string { return "{" + key + "}:cloudtap:ingest:" + id }

func tagged(prefix, path, what string) string { return "{" + prefix + path + "}:" + what }

// PathOf returns the log path of a records key, and false for a key that
// is not one: another prefix, a tagged sub-key ({…}:schema), or an
// untagged legacy one (X P :dead), whose names hold a ":" after the path.
func PathOf(prefix, key string) (string, bool) {
	p, ok := strings.CutPrefix(key, prefix)
	if !ok || p == "" || strings.Contains(p, ":") {
		return "", false
	}
	return p, true
}

// Pattern is the SCAN MATCH pattern of every key under prefix: the prefix
// quoted, then *.
func Pattern(prefix string) string {
	var b strings.Builder
	for _, r := range prefix {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String() + "*"
}

// Changes is the stream of the changes made to hash key, which a reader
// follows after reading the hash (cloudtap intel writes both). It carries
// the hash's name as its hash tag, so both live on one Redis Cluster node
// and one script can write both.
func Changes(key string) string { return "{" + key + "}:changes" }

// DefaultIntel is the hash of threat indicators that cloudtap intel
// writes and CloudTap/intel-from-redis reads.
const DefaultIntel = "cloudtap:intel"
