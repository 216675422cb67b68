package hotstore

import (
	_ "embed"
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

//go:embed deliver.lua
var deliverLua string

// deliverScript is immutable after init; redigo's Script only holds the
// source and its SHA1.
var deliverScript = redis.NewScript(2, deliverLua)

const (
	// markerTTL is how long a writer's dedup marker outlives its last
	// batch. It only has to span one outage: a resend after a longer one
	// could be duplicated (and Close deletes the marker anyway).
	markerTTL = 24 * time.Hour
	// maxBatchRecords bounds one script call; Redis serves nobody else
	// while it runs.
	maxBatchRecords = 100_000
	// scriptFixedArgs is the number of ARGV entries before the records.
	scriptFixedArgs = 6
)

// markerKey names the dedup marker of one writer for one key. Its hash tag
// is the whole key, so in Redis Cluster it lands in the key's slot, as a
// script touching both requires.
func markerKey(key, writerID string) string {
	return "{" + key + "}:cloudtap:w:" + writerID
}

// batch is one delivery: records of one path, numbered so that a resend of
// the same batch is recognised by the marker.
type batch struct {
	seq     uint64
	records [][]byte
	bytes   int64
}

// deliverArgs builds the script's KEYS and ARGV for one batch.
func deliverArgs(cfg *Config, key, marker string, b *batch) []any {
	args := make([]any, 0, 2+scriptFixedArgs+len(b.records))
	args = append(args,
		key, marker,
		strconv.FormatUint(b.seq, 10),
		strconv.FormatInt(markerTTL.Milliseconds(), 10),
		string(cfg.Mode),
		strconv.FormatInt(cfg.MaxLen, 10),
		strconv.FormatInt(cfg.MaxAge.Milliseconds(), 10),
		cfg.ProtectGroup,
	)
	for _, r := range b.records {
		args = append(args, r)
	}
	return args
}

// deliverBatch runs the script for one batch on c and returns how many
// records it wrote: len(b.records), or 0 when Redis already had the batch.
func deliverBatch(c redis.Conn, cfg *Config, key, marker string, b *batch) (int, error) {
	n, err := redis.Int(deliverScript.Do(c, deliverArgs(cfg, key, marker, b)...))
	if err != nil {
		return 0, fmt.Errorf("deliver batch %d (%d records) to %s: %w", b.seq, len(b.records), key, err)
	}
	if n != 0 && n != len(b.records) {
		return 0, fmt.Errorf("deliver batch %d to %s: script wrote %d of %d records", b.seq, key, n, len(b.records))
	}
	return n, nil
}
