package coldstore

import (
	"strconv"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// component names the cold tier in configuration errors.
const component = "coldstore"

// Options is the cold tier's option table: the flags of cloudtap ship and
// their configuration-file keys, and the writer's es-<name> words for its
// embedded shipper. The servers (Redis, Elasticsearch URL), the consumer
// group and schemas are set apart: the group must be the writer's
// protect-group, and schemas are files.
var Options = &option.Table[Config]{Component: component, Options: []option.Option[Config]{
	option.Enum("format", string(FormatZeek), "zeek (records as Zeek wrote them) or ecs (Elastic's Zeek integration's shape, into logs-zeek.<dataset>-<namespace>)",
		[]string{string(FormatZeek), string(FormatECS)}, func(c *Config) *Format { return &c.Format }),
	option.Enum("index-mode", string(IndexDaily), "daily (<index-prefix>-<path>-YYYY.MM.DD) or datastream (logs-zeek.<path>-<namespace>)",
		[]string{string(IndexDaily), string(IndexDataStream)}, func(c *Config) *IndexMode { return &c.IndexMode }),
	option.String("index-prefix", DefaultIndexPrefix, "start of daily index names",
		func(c *Config) *string { return &c.IndexPrefix }),
	option.String("namespace", DefaultNamespace, "data stream namespace",
		func(c *Config) *string { return &c.Namespace }),
	option.String("username", "", "basic-auth user; the password comes from "+EnvPassword+" or the URL",
		func(c *Config) *string { return &c.Username }),
	option.String("ca-file", "", "PEM file of the CAs to trust for https:// (default: the system's)",
		func(c *Config) *string { return &c.CAFile }),
	option.Bool("tls-skip-verify", "no", "accept any server certificate (tests only)",
		func(c *Config) *bool { return &c.TLSSkipVerify }),
	option.String("consumer", "", "this shipper's name in the group, unique per shipper and the same across its restarts (default: the host name; <host>/writer in a writer)",
		func(c *Config) *string { return &c.Consumer }),
	option.List("paths", "", "log paths to ship, comma-separated (default: every stream under the key prefix, re-checked every discover-interval)",
		func(c *Config) *[]string { return &c.Paths }),
	option.Count("batch-size", strconv.Itoa(DefaultBatchMaxDocs), "most documents per bulk request",
		func(c *Config) *int { return &c.BatchMaxDocs }),
	option.Size("batch-bytes", option.FormatSize(DefaultBatchMaxBytes), "most record bytes per bulk request",
		func(c *Config) *int { return &c.BatchMaxBytes }),
	option.Duration("flush-interval", option.FormatDuration(DefaultFlushInterval), "longest a batch that is not full waits for more records",
		func(c *Config) *time.Duration { return &c.FlushInterval }),
	option.Duration("claim-idle", option.FormatDuration(DefaultClaimIdle), "take over other consumers' entries pending longer than this (their shipper is presumed dead)",
		func(c *Config) *time.Duration { return &c.ClaimIdle }),
	option.Duration("backoff-min", option.FormatDuration(DefaultBackoffMin), "first wait before a retry",
		func(c *Config) *time.Duration { return &c.BackoffMin }),
	option.Duration("backoff-max", option.FormatDuration(DefaultBackoffMax), "longest wait between retries",
		func(c *Config) *time.Duration { return &c.BackoffMax }),
	option.Duration("drain-timeout", option.FormatDuration(DefaultDrainTimeout), "at a stop, how long to finish the batch in flight (what is left stays pending in Redis); in a writer, es-close-timeout bounds it",
		func(c *Config) *time.Duration { return &c.DrainTimeout }),
	option.Duration("discover-interval", option.FormatDuration(DefaultDiscoverInterval), "how often to look for new streams (without paths) and for a schema not stored yet",
		func(c *Config) *time.Duration { return &c.DiscoverInterval }),
	option.Duration("request-timeout", option.FormatDuration(DefaultRequestTimeout), "bound on one HTTP request, reply included",
		func(c *Config) *time.Duration { return &c.RequestTimeout }),
	option.Count("dead-letter-maxlen", "", "cap each <path>:dead stream at about this many entries (unset: keep all)",
		func(c *Config) *int64 { return &c.DeadLetterMaxLen }),
}}

// Environment variables for the Elasticsearch credentials, read by the
// commands and by a writer's embedded shipper. They are read from the
// environment only, so that they never show in a process list or a Zeek
// script.
const (
	EnvPassword = "CLOUDTAP_ELASTICSEARCH_PASSWORD"
	EnvAPIKey   = "CLOUDTAP_ELASTICSEARCH_API_KEY"
)
