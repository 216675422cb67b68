package hotstore

import (
	"strconv"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// Options is the hot tier's option table: the query of a redis:// URL,
// and the same words in the writer's configuration and cloudtap's
// --redis. The URL itself gives the address, credentials, database and
// TLS (rediss://).
var Options = &option.Table[Config]{Component: component, Options: []option.Option[Config]{
	option.String("prefix", DefaultKeyPrefix, "key and channel prefix: log path P is written to <prefix>P",
		func(c *Config) *string { return &c.KeyPrefix }),
	option.Enum("mode", string(ModeStream), "stream (XADD), list (RPUSH, as Logstash and Filebeat read) or pubsub (PUBLISH, nothing kept)",
		[]string{string(ModeStream), string(ModeList), string(ModePubSub)}, func(c *Config) *Mode { return &c.Mode }),
	option.Count("maxlen", "", "retention by count: each stream trimmed to about N entries, each list to exactly N (unset: no cap)",
		func(c *Config) *int64 { return &c.MaxLen }),
	option.Duration("maxage", "", "retention by age, stream mode only: entries older than this are trimmed (unset: no limit)",
		func(c *Config) *time.Duration { return &c.MaxAge }),
	option.Duration("retention-interval", option.FormatDuration(DefaultRetentionInterval), "shortest time between two retention passes of one path, which run apart from delivery (0: after every batch)",
		func(c *Config) *time.Duration { return &c.RetentionInterval }),
	option.String("protect-group", "", "never trim what this consumer group has not acknowledged (with a cold tier: cloudtap)",
		func(c *Config) *string { return &c.ProtectGroup }),
	option.Bool("cluster", "no", "the host is a node of a Redis Cluster",
		func(c *Config) *bool { return &c.Cluster }),
	option.List("cluster-nodes", "", "more cluster nodes host:port,... to learn the slot map from",
		func(c *Config) *[]string { return &c.ClusterNodes }),
	option.String("tls-ca-file", "", "PEM file of the CAs to trust for rediss:// (default: the system's)",
		func(c *Config) *string { return &c.TLSCAFile }),
	option.Bool("tls-skip-verify", "no", "accept any server certificate (rediss://; tests only)",
		func(c *Config) *bool { return &c.TLSSkipVerify }),
	option.Count("buffer-max-records", strconv.Itoa(DefaultBufferMaxRecords), "records held in memory, across all logs, while Redis is slow or away",
		func(c *Config) *int { return &c.BufferMaxRecords }),
	option.Size("buffer-max-bytes", option.FormatSize(DefaultBufferMaxBytes), "bytes of records held in memory, across all logs",
		func(c *Config) *int64 { return &c.BufferMaxBytes }),
	option.Duration("block-timeout", option.FormatDuration(DefaultBlockTimeout), "longest a write waits for buffer space before it drops what does not fit (0: never wait)",
		func(c *Config) *time.Duration { return &c.BlockTimeout }),
	option.Count("batch-max-records", strconv.Itoa(DefaultBatchMaxRecords), "records per delivery round trip (at most "+strconv.Itoa(maxBatchRecords)+")",
		func(c *Config) *int { return &c.BatchMaxRecords }),
	option.Size("batch-max-bytes", option.FormatSize(DefaultBatchMaxBytes), "bytes per delivery round trip",
		func(c *Config) *int { return &c.BatchMaxBytes }),
	option.Duration("dial-timeout", option.FormatDuration(DefaultDialTimeout), "bound on connecting to Redis",
		func(c *Config) *time.Duration { return &c.DialTimeout }),
	option.Duration("io-timeout", option.FormatDuration(DefaultIOTimeout), "bound on each read and write, so that a hung server is noticed",
		func(c *Config) *time.Duration { return &c.IOTimeout }),
	option.Duration("backoff-min", option.FormatDuration(DefaultBackoffMin), "first wait before reconnecting",
		func(c *Config) *time.Duration { return &c.BackoffMin }),
	option.Duration("backoff-max", option.FormatDuration(DefaultBackoffMax), "longest wait between reconnects",
		func(c *Config) *time.Duration { return &c.BackoffMax }),
}}
