package coldstore

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// Config is everything a Shipper needs. Start from DefaultConfig and set at
// least ElasticsearchURL and Redis; New validates the result.
type Config struct {
	// Redis is the hot tier to read: address, credentials, database, TLS
	// and key prefix, as hotstore.ParseURL reads them from a redis:// URL.
	// Its retention and buffer options are the writer's and are ignored.
	Redis hotstore.Config

	// ElasticsearchURL is the cluster's base URL, http:// or https://,
	// optionally with a path prefix (a proxy) and with
	// user:password for basic auth.
	ElasticsearchURL string
	// Username and Password are basic-auth credentials; they override
	// those in the URL.
	Username, Password string
	// APIKey is an Elasticsearch API key, either "id:api_key" or the
	// base64 "encoded" form Elasticsearch returns. It excludes basic auth.
	APIKey string
	// CAFile is a PEM file of CAs to trust for https:// instead of the
	// system pool; TLSSkipVerify accepts any certificate (tests only).
	CAFile        string
	TLSSkipVerify bool
	// RequestTimeout bounds one HTTP request, reply included.
	RequestTimeout time.Duration

	// Format: Zeek's records as they are (default), or ECS documents.
	Format Format
	// IndexMode: daily indices (default) or data streams. ECS documents
	// always go to data streams.
	IndexMode IndexMode
	// IndexPrefix starts daily index names: <prefix>-<path>-YYYY.MM.DD.
	IndexPrefix string
	// Namespace ends data stream names: logs-zeek.<path>-<namespace>.
	Namespace string

	// Group is the consumer group shared by all shippers of these streams.
	// It must be the writer's protect-group, so that retention never trims
	// what the group has not acknowledged; both default to rediskey.DefaultGroup.
	Group string
	// Consumer names this shipper within the group; unique per shipper.
	Consumer string
	// Paths are the log paths to ship ("conn", "dns"). Empty means every
	// stream under the key prefix, found at start and every
	// DiscoverInterval.
	Paths            []string
	DiscoverInterval time.Duration
	// Schemas gives a path's Zeek schema. A path without one here uses the
	// schema the writer stored in Redis (SchemaKey), else a minimal
	// template (see the package documentation).
	Schemas map[string]zeekschema.Schema

	// BatchMaxDocs and BatchMaxBytes bound one bulk request; FlushInterval
	// bounds how long a batch that is not full waits for more records.
	BatchMaxDocs  int
	BatchMaxBytes int
	FlushInterval time.Duration
	// ClaimIdle: pending entries of other consumers idle longer than this
	// are taken over (XAUTOCLAIM); their shipper is presumed dead.
	ClaimIdle time.Duration
	// BackoffMin and BackoffMax bound the waits between retries.
	BackoffMin, BackoffMax time.Duration
	// DrainTimeout bounds how long Run, once its context ends, keeps
	// working on the batch in flight. What is not done by then stays
	// pending in Redis and is shipped later (by this consumer on restart,
	// or by another that claims it): never lost.
	DrainTimeout time.Duration
	// DeadLetterMaxLen caps each dead-letter stream (XADD MAXLEN ~); 0
	// keeps every refused record.
	DeadLetterMaxLen int64

	// OnError receives every error the shipper recovers from (outages,
	// retries, dead letters) as it happens. It must not block. Nil logs
	// them with log/slog, the same error at most every 30 s.
	OnError func(error)
}

// Defaults. A bulk of 1000 Zeek records is about 0.5 MB: large enough to
// amortise a round trip, well under Elasticsearch's 100 MB request limit.
const (
	DefaultIndexPrefix      = "zeek"
	DefaultNamespace        = "default"
	DefaultBatchMaxDocs     = 1000
	DefaultBatchMaxBytes    = 5 << 20
	DefaultFlushInterval    = time.Second
	DefaultClaimIdle        = time.Minute
	DefaultDiscoverInterval = 30 * time.Second
	DefaultRequestTimeout   = 60 * time.Second
	DefaultBackoffMin       = 100 * time.Millisecond
	DefaultBackoffMax       = 30 * time.Second
	DefaultDrainTimeout     = 30 * time.Second
)

// DefaultConfig returns a Config with every default set and no servers:
// the hot tier's defaults and those of Options.
func DefaultConfig() Config {
	c := Config{Redis: hotstore.DefaultConfig(), Group: rediskey.DefaultGroup}
	Options.ApplyDefaults(&c)
	return c
}

// OptionError is cloudtap's one configuration error (package option).
type OptionError = option.Error

func badOption(name string, value any, reason string) error {
	return option.Errorf(component, name, value, "%s", reason)
}

// Validate returns an *option.Error for the first bad setting.
func (c *Config) Validate() error {
	if err := c.validateElasticsearch(); err != nil {
		return err
	}
	if err := c.Redis.Validate(); err != nil {
		return err
	}
	if c.Redis.Mode != hotstore.ModeStream {
		return badOption("redis", "mode="+string(c.Redis.Mode), "the shipper reads Redis streams; list and pubsub modes cannot feed it")
	}
	if err := c.validateNames(); err != nil {
		return err
	}
	return c.validateLimits()
}

func (c *Config) validateElasticsearch() error {
	if c.ElasticsearchURL == "" {
		return badOption("elasticsearch", "", "an Elasticsearch URL (http:// or https://) is required")
	}
	u, err := url.Parse(c.ElasticsearchURL)
	if err != nil {
		return badOption("elasticsearch", RedactURL(c.ElasticsearchURL), "not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return badOption("elasticsearch", RedactURL(c.ElasticsearchURL), "want an http:// or https:// URL")
	}
	if u.Hostname() == "" {
		return badOption("elasticsearch", RedactURL(c.ElasticsearchURL), "the URL names no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return badOption("elasticsearch", RedactURL(c.ElasticsearchURL), "the URL must not have a query or fragment")
	}
	if c.APIKey != "" && (c.Username != "" || c.Password != "" || u.User != nil) {
		return badOption("api-key", "(redacted)", "give an API key or basic-auth credentials, not both")
	}
	if u.Scheme != "https" && (c.CAFile != "" || c.TLSSkipVerify) {
		return badOption("ca-file", c.CAFile, "TLS options need an https:// Elasticsearch URL")
	}
	if c.RequestTimeout <= 0 {
		return badOption("request-timeout", c.RequestTimeout, "must be greater than zero")
	}
	return nil
}

// Allowed names: Elasticsearch index names are lower case and must avoid
// \ / * ? " < > | , # : and spaces; data stream parts must also avoid "-",
// which separates type, dataset and namespace.
var (
	indexNamePart = regexp.MustCompile(`^[a-z0-9][a-z0-9_.+-]*$`)
	namespaceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.]*$`)
)

func (c *Config) validateNames() error {
	if _, err := ParseIndexMode(string(c.IndexMode)); err != nil {
		return badOption("index-mode", c.IndexMode, err.Error())
	}
	if _, err := ParseFormat(string(c.Format)); err != nil {
		return badOption("format", c.Format, err.Error())
	}
	if !indexNamePart.MatchString(c.IndexPrefix) {
		return badOption("index-prefix", c.IndexPrefix, "want lower-case letters, digits, _ . + - (an Elasticsearch index name)")
	}
	if !namespaceName.MatchString(c.Namespace) || len(c.Namespace) > 100 {
		return badOption("namespace", c.Namespace, "want up to 100 lower-case letters, digits, _ or . (no -)")
	}
	for _, name := range []struct{ option, value string }{{"group", c.Group}, {"consumer", c.Consumer}} {
		if name.value == "" {
			return badOption(name.option, "", "must not be empty")
		}
		if strings.ContainsAny(name.value, " \t\r\n") {
			return badOption(name.option, name.value, "must not contain white space")
		}
	}
	seen := map[string]bool{}
	for _, p := range c.Paths {
		if err := checkPath(p); err != nil {
			return badOption("paths", p, err.Error())
		}
		if seen[p] {
			return badOption("paths", p, "given more than once")
		}
		seen[p] = true
	}
	for p, s := range c.Schemas {
		if err := s.Check(); err != nil {
			return badOption("schema", p, err.Error())
		}
		if _, err := Mapping(s); err != nil {
			return badOption("schema", p, err.Error())
		}
	}
	return nil
}

// checkPath refuses a log path that cannot be part of an index name.
func checkPath(p string) error {
	if !indexNamePart.MatchString(p) {
		return fmt.Errorf("a log path must be lower-case letters, digits, _ . + - (it becomes part of an index name)")
	}
	return nil
}

func (c *Config) validateLimits() error {
	positive := []struct {
		name string
		v    int64
	}{
		{"batch-size", int64(c.BatchMaxDocs)},
		{"batch-bytes", int64(c.BatchMaxBytes)},
		{"flush-interval", int64(c.FlushInterval)},
		{"claim-idle", int64(c.ClaimIdle)},
		{"backoff-min", int64(c.BackoffMin)},
		{"backoff-max", int64(c.BackoffMax)},
		{"drain-timeout", int64(c.DrainTimeout)},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return badOption(p.name, fmt.Sprint(p.v), "must be greater than zero")
		}
	}
	if len(c.Paths) == 0 && c.DiscoverInterval <= 0 {
		return badOption("discover-interval", c.DiscoverInterval, "must be greater than zero when no paths are given")
	}
	if c.BackoffMax < c.BackoffMin {
		return badOption("backoff-max", c.BackoffMax, "must not be less than backoff-min "+c.BackoffMin.String())
	}
	if c.DeadLetterMaxLen < 0 {
		return badOption("dead-letter-maxlen", c.DeadLetterMaxLen, "must not be negative")
	}
	if c.ClaimIdle < 2*c.FlushInterval {
		return badOption("claim-idle", c.ClaimIdle, "must be at least twice flush-interval "+c.FlushInterval.String()+
			", or live shippers would take each other's batches")
	}
	return nil
}

// RedactURL hides credentials in a URL shown in an error; a value that
// does not parse is hidden whole if it may hold them. The log writer's
// configuration errors use it too.
func RedactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		if strings.Contains(v, "@") {
			return "(redacted)"
		}
		return v
	}
	return u.Redacted()
}
