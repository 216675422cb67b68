package hotstore

import (
	_ "embed"
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

//go:embed deliver.lua
var deliverLua string

//go:embed retain.lua
var retainLua string

// The scripts are immutable after init; redigo's Script only holds the
// source and its SHA1.
var (
	deliverScript = redis.NewScript(2, deliverLua)
	retainScript  = redis.NewScript(1, retainLua)
)

const (
	// markerTTL is how long a writer's dedup marker outlives its last
	// batch. It only has to span one outage: a resend after a longer one
	// could be duplicated (and Close deletes the marker anyway).
	markerTTL = 24 * time.Hour
	// maxBatchRecords bounds one script call; Redis serves nobody else
	// while it runs.
	maxBatchRecords = 100_000
	// scriptFixedArgs is the number of ARGV entries before the records.
	scriptFixedArgs = 4
)

// markerKey names the dedup marker of one writer for one key. Its hash tag
// is the whole key, so in Redis Cluster it lands in the key's slot, as a
// script touching both requires.
func markerKey(key, writerID string) string { return rediskey.WriterMarker(key, writerID) }

// batch is one delivery: records of one path, numbered so that a resend of
// the same batch is recognised by the marker.
type batch struct {
	seq     uint64
	records [][]byte
	bytes   int64
}

// deliverArgs builds the script's KEYS and ARGV for one batch sent while
// base was the oldest unacknowledged batch (see deliver.lua).
func deliverArgs(cfg *Config, key, marker string, base uint64, b *batch) []any {
	args := make([]any, 0, 2+scriptFixedArgs+len(b.records))
	args = append(args,
		key, marker,
		strconv.FormatUint(b.seq, 10),
		strconv.FormatUint(base, 10),
		strconv.FormatInt(markerTTL.Milliseconds(), 10),
		string(cfg.Mode),
	)
	for _, r := range b.records {
		args = append(args, r)
	}
	return args
}

// sendBatch queues the script call for b on c without waiting for the
// reply. The script must have been loaded on the server (loadScript).
func sendBatch(c redis.Conn, cfg *Config, key, marker string, base uint64, b *batch) error {
	if err := deliverScript.SendHash(c, deliverArgs(cfg, key, marker, base, b)...); err != nil {
		return fmt.Errorf("send batch %d (%d records) to %s: %w", b.seq, len(b.records), key, err)
	}
	return nil
}

// receiveBatch reads the reply to b, sent earlier by sendBatch, and returns
// how many records were written: all of them, or 0 when Redis already had
// the batch.
func receiveBatch(c redis.Conn, key string, b *batch) (int, error) {
	n, err := redis.Int(c.Receive())
	if err != nil {
		return 0, fmt.Errorf("deliver batch %d (%d records) to %s: %w", b.seq, len(b.records), key, err)
	}
	if n != 0 && n != len(b.records) {
		return 0, fmt.Errorf("deliver batch %d to %s: script wrote %d of %d records", b.seq, key, n, len(b.records))
	}
	return n, nil
}

// loadScript makes sure the server has the script, so that pipelined
// EVALSHA calls do not fail with NOSCRIPT.
func loadScript(c redis.Conn) error {
	if err := deliverScript.Load(c); err != nil {
		return fmt.Errorf("load delivery script: %w", err)
	}
	return nil
}
