package logwriter

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// Config is the whole writer configuration.
type Config struct {
	// Redis is the hot tier.
	Redis hotstore.Config
	// ElasticsearchURL is the cold tier, "" when there is none. The writer
	// only carries it (and protects the cold tier's group, see
	// ParseConfig); the shipper reads it.
	ElasticsearchURL string
	// CloseTimeout bounds Close, and Flush when its context has no
	// deadline, so that Zeek is never held up indefinitely by Redis.
	CloseTimeout time.Duration
	// Ship says who ships to ElasticsearchURL ("" without one).
	Ship ShipMode
	// Shipper configures the embedded shipper (Ship == ShipEmbedded).
	Shipper coldstore.Config
	// ShipCloseTimeout bounds how long Close waits for the embedded
	// shipper to ship what the writer delivered to Redis; what is left
	// waits in Redis for the next shipper.
	ShipCloseTimeout time.Duration
	// ShipperOptions are the es-<name> words given, their prefix taken
	// off (rows of coldstore.Options): for a cloudtap ship that reads the
	// same configuration (ParseReaderConfig).
	ShipperOptions []option.Pair
	// QueueMessages keeps the writer's reports (outages, retries, dead
	// letters) for Writer.NextMessage instead of logging them on stderr:
	// for a caller with a log of its own, as Zeek has reporter.log. Not
	// part of the configuration string; ParseConfig leaves it false.
	QueueMessages bool
}

// Defaults.
const (
	DefaultRedisURL         = "redis://127.0.0.1:6379/0"
	DefaultCloseTimeout     = 5 * time.Second
	DefaultShipCloseTimeout = 10 * time.Second
)

// component names the writer in configuration errors.
const component = "writer"

// OptionError is cloudtap's one configuration error (package option).
type OptionError = option.Error

// shipPrefix marks the keys that go to the embedded shipper:
// es-index-mode=datastream is `cloudtap ship --index-mode datastream`.
const shipPrefix = "es-"

// Options is the writer's option table: its own keys, every hot-tier
// option (hotstore.Options) under its own name, and every cold-tier
// option (coldstore.Options) as es-<name>. The configuration string, a
// Redis URL's query and Zeek's per-filter $config all take them.
var Options = &option.Table[Config]{Component: component, Options: writerOptions()}

// OwnOptions are the rows of Options that are the writer's own, without
// the hot and cold tiers' (for the docs).
var OwnOptions = &option.Table[Config]{Component: component, Options: ownOptions()}

func writerOptions() []option.Option[Config] {
	own := ownOptions()
	own = append(own, option.Nested("", hotstore.Options, func(c *Config) *hotstore.Config { return &c.Redis })...)
	return append(own, option.Nested(shipPrefix, coldstore.Options, func(c *Config) *coldstore.Config { return &c.Shipper })...)
}

func ownOptions() []option.Option[Config] {
	return []option.Option[Config]{
		option.Func("redis", option.KindString, DefaultRedisURL,
			"the hot tier: redis:// or rediss://[user:password@]host[:port][/db][?option=value&...]; a bare redis:// word means the same",
			setRedis).AsSecret(coldstore.RedactURL).WithAliases("redis_url"),
		option.Func("elasticsearch", option.KindString, "",
			"the cold tier: http(s)://[user:password@]host:port[/path] of Elasticsearch 8/9 or OpenSearch 2 (unset: none)",
			setElasticsearch).AsSecret(coldstore.RedactURL),
		option.Enum("ship", "", "with elasticsearch: embedded (a shipper in this process, the default) or external (cloudtap ship processes do it)",
			[]string{string(ShipEmbedded), string(ShipExternal)}, func(c *Config) *ShipMode { return &c.Ship }),
		option.Duration("close-timeout", option.FormatDuration(DefaultCloseTimeout), "the longest a close, and a flush without a deadline, waits for Redis",
			func(c *Config) *time.Duration { return &c.CloseTimeout }),
		option.Duration(shipPrefix+"close-timeout", option.FormatDuration(DefaultShipCloseTimeout),
			"after Redis, the longest a close waits for the embedded shipper to ship what this writer wrote; the rest waits in Redis",
			func(c *Config) *time.Duration { return &c.ShipCloseTimeout }),
	}
}

// setRedis starts the hot tier afresh from a URL; its errors are
// hotstore's, naming the part of the URL.
func setRedis(c *Config, v string) error {
	r, err := hotstore.ParseURL(v)
	if err != nil {
		return err
	}
	c.Redis = r
	return nil
}

func setElasticsearch(c *Config, v string) error {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("want an http:// or https:// URL")
	case u.Host == "":
		return errors.New("the URL names no host")
	}
	c.ElasticsearchURL = v
	return nil
}

// ParseConfig reads the configuration grammar in the package
// documentation.
func ParseConfig(s string) (Config, error) {
	pairs, err := flatten(s)
	if err != nil {
		return Config{}, err
	}
	return build(pairs, false)
}

// ParseConfigWith reads base as ParseConfig does, with overrides in place
// of the keys they name: Zeek's per-filter $config over CloudTap::redis_url.
// An override's redis URL replaces the server and the options in its own
// query; the base's other keys (elasticsearch=, maxlen=, ...) stay.
func ParseConfigWith(base string, overrides []option.Pair) (Config, error) {
	pairs, err := flatten(base)
	if err != nil {
		return Config{}, err
	}
	more := option.Pairs{Component: component}
	for _, o := range overrides {
		key := o.Key
		if opt, ok := Options.Lookup(key); ok {
			key = opt.Name // redis_url is redis
		}
		if key == "redis" {
			if err := addRedis(&more, o.Value); err != nil {
				return Config{}, err
			}
			continue
		}
		if err := more.Add(key, o.Value); err != nil {
			return Config{}, err
		}
	}
	for _, p := range more.List {
		pairs.Take(p.Key)
		pairs.List = append(pairs.List, p)
	}
	return build(pairs, false)
}

// ParseReaderConfig reads a configuration for a command that reads the
// hot tier rather than writing it (ship, tail, status), so that one
// configuration serves Zeek and them: the es-<name> words are kept in
// ShipperOptions, for cloudtap ship, and need no elasticsearch= here (ship
// may have --elasticsearch), whatever ship= says. Shipper is left as the
// defaults.
func ParseReaderConfig(s string) (Config, error) {
	pairs, err := flatten(s)
	if err != nil {
		return Config{}, err
	}
	return build(pairs, true)
}

// flatten reads words into pairs: a redis:// word is redis=URL, and the
// query of the redis URL becomes pairs of their own, the URL left bare.
// A key given twice, as a word and in the query or twice as a word, is an
// error.
func flatten(s string) (option.Pairs, error) {
	pairs := option.Pairs{Component: component}
	for _, word := range strings.Fields(s) {
		if strings.HasPrefix(word, "redis://") || strings.HasPrefix(word, "rediss://") {
			if err := addRedis(&pairs, word); err != nil {
				return pairs, err
			}
			continue
		}
		key, value, ok := strings.Cut(word, "=")
		if !ok || key == "" || strings.Contains(key, "://") {
			return pairs, wordError(word)
		}
		if opt, ok := Options.Lookup(key); ok && opt.Name == "redis" {
			if err := addRedis(&pairs, value); err != nil {
				return pairs, err
			}
			continue
		}
		if err := pairs.Add(key, value); err != nil {
			return pairs, err
		}
	}
	return pairs, nil
}

// addRedis adds redis=URL without its query, and the query's options as
// pairs.
func addRedis(pairs *option.Pairs, rawURL string) error {
	base, query, _ := strings.Cut(rawURL, "?")
	// hotstore checks the bare URL first: its errors name the bad part and
	// never echo a password.
	if _, err := hotstore.ParseURL(base); err != nil {
		return err
	}
	if err := pairs.Add("redis", base); err != nil {
		return err
	}
	return pairs.AddQuery(query)
}

// build makes the Config of pairs: every default, then the redis URL,
// then each pair in order, then the checks that span options.
func build(pairs option.Pairs, forShipper bool) (Config, error) {
	var cfg Config
	Options.ApplyDefaults(&cfg)
	cfg.Shipper = coldstore.DefaultConfig()
	if v, ok := pairs.Take("redis"); ok {
		if err := Options.Set(&cfg, "redis", v); err != nil {
			return Config{}, err
		}
	}
	for _, p := range pairs.List {
		if err := Options.Set(&cfg, p.Key, p.Value); err != nil {
			return Config{}, err
		}
		if name, ok := strings.CutPrefix(p.Key, shipPrefix); ok && name != "close-timeout" {
			cfg.ShipperOptions = append(cfg.ShipperOptions, option.Pair{Key: name, Value: p.Value})
		}
	}
	if err := cfg.Redis.Validate(); err != nil {
		return Config{}, err
	}
	if cfg.CloseTimeout <= 0 {
		return Config{}, option.Errorf(component, "close-timeout", cfg.CloseTimeout, "must be greater than zero")
	}
	if cfg.ShipCloseTimeout <= 0 {
		return Config{}, option.Errorf(component, shipPrefix+"close-timeout", cfg.ShipCloseTimeout, "must be greater than zero")
	}
	if err := cfg.protectColdTier(); err != nil {
		return Config{}, err
	}
	if forShipper {
		cfg.Shipper = coldstore.DefaultConfig()
		return cfg, nil
	}
	if err := cfg.shipperConfig(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// protectColdTier: with a cold tier, retention must not trim what it has
// not acknowledged, so its consumer group is protected by default.
func (c *Config) protectColdTier() error {
	if c.ElasticsearchURL == "" {
		return nil
	}
	if c.Redis.Mode != hotstore.ModeStream {
		return option.Errorf(component, "elasticsearch", coldstore.RedactURL(c.ElasticsearchURL),
			"the cold tier reads Redis streams; mode=%s cannot feed it", c.Redis.Mode)
	}
	if c.Redis.ProtectGroup == "" {
		c.Redis.ProtectGroup = rediskey.DefaultGroup
	}
	return nil
}

// shipperConfig completes c.Shipper for an embedded shipper, or refuses
// shipper options that would do nothing.
func (c *Config) shipperConfig() error {
	if c.ElasticsearchURL == "" {
		if c.Ship != "" {
			return option.Errorf(component, "ship", c.Ship, "needs elasticsearch=URL")
		}
		if len(c.ShipperOptions) > 0 {
			p := c.ShipperOptions[0]
			return option.Errorf(component, shipPrefix+p.Key, option.RedactValue(p.Value), "needs elasticsearch=URL")
		}
		return nil
	}
	if c.Ship == "" {
		c.Ship = ShipEmbedded
	}
	if c.Ship == ShipExternal {
		if len(c.ShipperOptions) > 0 {
			p := c.ShipperOptions[0]
			return option.Errorf(component, shipPrefix+p.Key, option.RedactValue(p.Value),
				"ship=external: give shipper options to cloudtap ship, not to the writer")
		}
		return nil
	}
	sc := &c.Shipper
	sc.Redis = c.Redis
	sc.ElasticsearchURL = c.ElasticsearchURL
	sc.Group = c.Redis.ProtectGroup
	if sc.Consumer == "" {
		sc.Consumer = defaultConsumer()
	}
	sc.Password = os.Getenv(coldstore.EnvPassword)
	sc.APIKey = os.Getenv(coldstore.EnvAPIKey)
	if err := sc.Validate(); err != nil {
		return shipOptionError(err)
	}
	return nil
}

// wordError explains a word that is neither key=value nor a Redis URL,
// without echoing what may be a URL with a password.
func wordError(word string) error {
	if strings.Contains(word, "://") {
		if _, err := hotstore.ParseURL(word); err != nil {
			return err // names the scheme
		}
	}
	if strings.Contains(word, "@") {
		return errors.New("cloudtap: writer: a word is neither key=value nor a redis:// URL")
	}
	return fmt.Errorf("cloudtap: writer: %q is neither key=value nor a redis:// URL", word)
}
