package hotstore

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// Config is everything the hot store needs. Start from DefaultConfig (or
// ParseURL, which does) and change fields; New validates the result.
type Config struct {
	// Addr is host:port of the Redis server.
	Addr string
	// Username selects an ACL user; empty means the "default" user.
	Username string
	// Password is the ACL user's password, or requirepass for "default".
	Password string
	// DB is the database number (SELECT).
	DB int
	// Cluster treats Addr as one node of a Redis Cluster: each log path's
	// key is written on the node that serves its slot, following MOVED and
	// ASK redirects and re-reading the slot map after a failover. DB must
	// be 0, the only database a cluster has.
	Cluster bool
	// ClusterNodes are more cluster nodes (host:port) to learn the slot map
	// from when Addr is down; Cluster only.
	ClusterNodes []string

	// TLS connects with TLS (rediss://).
	TLS bool
	// TLSCAFile is a PEM file of CAs to trust instead of the system pool.
	TLSCAFile string
	// TLSSkipVerify accepts any server certificate. For tests and trusted
	// networks only: it gives up protection against impersonation.
	TLSSkipVerify bool

	// KeyPrefix is put before the log path to make the key or channel
	// name: "zeek:" + "conn" = "zeek:conn".
	KeyPrefix string
	// Mode is stream (default), list or pubsub.
	Mode Mode
	// MaxLen caps each stream (XADD-time trimming, approximate "~") or list
	// (LTRIM, exact) at about this many entries. 0 means no cap.
	MaxLen int64
	// MaxAge trims stream entries older than this (XTRIM MINID ~, from the
	// server clock). Stream mode only; 0 means no limit.
	MaxAge time.Duration
	// RetentionInterval is the shortest time between two retention passes
	// of one path (retain.lua), which run apart from delivery, after
	// writes. 0 runs one after every delivered batch.
	RetentionInterval time.Duration
	// ProtectGroup names the consumer group of the cold tier. When set, the
	// writer creates the group if it is missing and retention never trims
	// an entry that group has not acknowledged. Stream mode only.
	ProtectGroup string

	// BufferMaxRecords and BufferMaxBytes bound the records held in memory
	// (queued or sent but not yet acknowledged by Redis), across all paths
	// of one Writer. Bytes count record data only.
	BufferMaxRecords int
	BufferMaxBytes   int64
	// BlockTimeout is the longest Write waits for buffer space before it
	// drops what does not fit. 0 means never wait.
	BlockTimeout time.Duration
	// BatchMaxRecords and BatchMaxBytes bound one delivery to Redis (one
	// script call, one round trip).
	BatchMaxRecords int
	BatchMaxBytes   int

	// DialTimeout bounds connecting; IOTimeout bounds each read and write
	// on the connection, so that a hung server is noticed and reconnected.
	DialTimeout time.Duration
	IOTimeout   time.Duration
	// BackoffMin and BackoffMax bound the exponential backoff between
	// reconnect (and retry) attempts.
	BackoffMin time.Duration
	BackoffMax time.Duration

	// WriterID names this writer's dedup markers
	// ({<key>}:cloudtap:w:<id>, see deliver.lua). Empty means a random ID,
	// so that writers in different processes never share a marker. A
	// caller that sets it vouches for that uniqueness itself: two writers
	// with one ID on one path at once would skip each other's batches. Its
	// use is resending after a crash: a new writer with the crashed one's
	// ID, given the same batches (numbered 1, 2, ... from Open), skips
	// those the marker shows applied. A marker lives 24 h after its last
	// batch and is deleted when its path closes with nothing in doubt.
	WriterID string

	// OnError receives every delivery error and every drop (a *DropError)
	// as it happens. It is called from the writer's goroutines and from
	// Write; it must not block. Nil logs them with log/slog at Error level.
	OnError func(error)
}

// Defaults. The buffer bound is sized for a burst of a few minutes of a
// busy sensor's logs while Redis restarts; the batch bound keeps one script
// call around a millisecond of Redis time.
const (
	DefaultKeyPrefix         = "zeek:"
	DefaultBufferMaxRecords  = 1_000_000
	DefaultBufferMaxBytes    = 512 << 20
	DefaultBlockTimeout      = 100 * time.Millisecond
	DefaultRetentionInterval = time.Second
	DefaultBatchMaxRecords   = 1000
	DefaultBatchMaxBytes     = 1 << 20
	DefaultDialTimeout       = 5 * time.Second
	DefaultIOTimeout         = 10 * time.Second
	DefaultBackoffMin        = 50 * time.Millisecond
	DefaultBackoffMax        = 5 * time.Second
	defaultPort              = "6379"
)

// DefaultConfig returns a Config for a local Redis with every default set:
// the defaults of Options.
func DefaultConfig() Config {
	c := Config{Addr: "127.0.0.1:" + defaultPort}
	Options.ApplyDefaults(&c)
	return c
}

// component names the hot tier in configuration errors.
const component = "hotstore"

// OptionError is cloudtap's one configuration error (package option).
type OptionError = option.Error

func badOption(name string, value any, reason string) error {
	return option.Errorf(component, name, value, "%s", reason)
}

// Validate returns an *option.Error for the first bad option, nil if the
// configuration is usable.
func (c *Config) Validate() error {
	if c.Addr == "" {
		return badOption("addr", c.Addr, "a Redis address host:port is required")
	}
	if c.DB < 0 {
		return badOption("db", c.DB, "must not be negative")
	}
	if err := c.validateCluster(); err != nil {
		return err
	}
	if !c.TLS && c.TLSCAFile != "" {
		return badOption("tls-ca-file", c.TLSCAFile, "needs TLS (a rediss:// URL)")
	}
	if !c.TLS && c.TLSSkipVerify {
		return badOption("tls-skip-verify", c.TLSSkipVerify, "needs TLS (a rediss:// URL)")
	}
	if err := checkNamePart(c.KeyPrefix); err != nil {
		return badOption("prefix", c.KeyPrefix, err.Error())
	}
	if err := checkNamePart(c.WriterID); err != nil {
		return badOption("writer-id", c.WriterID, err.Error())
	}
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return badOption("mode", c.Mode, err.Error())
	}
	if err := c.validateRetention(); err != nil {
		return err
	}
	return c.validateLimits()
}

func (c *Config) validateCluster() error {
	if !c.Cluster {
		if len(c.ClusterNodes) > 0 {
			return badOption("cluster-nodes", strings.Join(c.ClusterNodes, ","), "needs cluster=yes")
		}
		return nil
	}
	if c.DB != 0 {
		return badOption("db", c.DB, "a Redis Cluster has only database 0")
	}
	for _, n := range c.ClusterNodes {
		if _, port, err := net.SplitHostPort(n); err != nil || port == "" {
			return badOption("cluster-nodes", n, "want host:port")
		}
	}
	return nil
}

func (c *Config) validateRetention() error {
	if c.MaxLen < 0 {
		return badOption("maxlen", c.MaxLen, "must not be negative")
	}
	if c.MaxAge < 0 {
		return badOption("maxage", c.MaxAge, "must not be negative")
	}
	if c.RetentionInterval < 0 {
		return badOption("retention-interval", c.RetentionInterval, "must not be negative")
	}
	if c.MaxAge > 0 && c.MaxAge < time.Millisecond {
		return badOption("maxage", c.MaxAge, "stream IDs have millisecond resolution; use at least 1ms")
	}
	switch c.Mode {
	case ModePubSub:
		if c.MaxLen > 0 {
			return badOption("maxlen", c.MaxLen, "pubsub mode stores nothing to trim")
		}
		if c.MaxAge > 0 {
			return badOption("maxage", c.MaxAge, "pubsub mode stores nothing to trim")
		}
	case ModeList:
		if c.MaxAge > 0 {
			return badOption("maxage", c.MaxAge, "list entries carry no time; age retention needs stream mode")
		}
	}
	if c.ProtectGroup != "" {
		if c.Mode != ModeStream {
			return badOption("protect-group", c.ProtectGroup, "consumer groups exist only in stream mode")
		}
		if strings.ContainsAny(c.ProtectGroup, " \t\r\n") {
			return badOption("protect-group", c.ProtectGroup, "must not contain white space")
		}
	}
	return nil
}

func (c *Config) validateLimits() error {
	positive := []struct {
		name string
		v    int64
	}{
		{"buffer-max-records", int64(c.BufferMaxRecords)},
		{"buffer-max-bytes", c.BufferMaxBytes},
		{"batch-max-records", int64(c.BatchMaxRecords)},
		{"batch-max-bytes", int64(c.BatchMaxBytes)},
		{"dial-timeout", int64(c.DialTimeout)},
		{"io-timeout", int64(c.IOTimeout)},
		{"backoff-min", int64(c.BackoffMin)},
		{"backoff-max", int64(c.BackoffMax)},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return badOption(p.name, p.v, "must be greater than zero")
		}
	}
	if c.BlockTimeout < 0 {
		return badOption("block-timeout", c.BlockTimeout, "must not be negative")
	}
	if c.BackoffMax < c.BackoffMin {
		return badOption("backoff-max", c.BackoffMax, "must not be less than backoff-min "+c.BackoffMin.String())
	}
	// One batch is one script call, and Redis runs nothing else meanwhile.
	if c.BatchMaxRecords > maxBatchRecords {
		return badOption("batch-max-records", c.BatchMaxRecords, fmt.Sprintf("must be at most %d", maxBatchRecords))
	}
	return nil
}

// checkNamePart rejects characters that would make key names ambiguous:
// braces would change the Redis Cluster hash tag (the writer's dedup marker
// must hash to the same slot as its stream), white space and control
// characters would make keys hard to type in redis-cli.
func checkNamePart(s string) error {
	for _, r := range s {
		switch {
		case r == '{' || r == '}':
			return fmt.Errorf("must not contain braces")
		case r <= ' ' || r == 0x7f:
			return fmt.Errorf("must not contain white space or control characters")
		}
	}
	return nil
}
