package logwriter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/hotstore"
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
	// QueueMessages keeps the writer's reports (outages, retries, dead
	// letters) for Writer.NextMessage instead of logging them on stderr:
	// for a caller with a log of its own, as Zeek has reporter.log. Not
	// part of the configuration string; ParseConfig leaves it false.
	QueueMessages bool

	shipOptions []pair // es-* keys, for the embedded shipper
}

// Defaults.
const (
	DefaultRedisURL     = "redis://127.0.0.1:6379/0"
	DefaultCloseTimeout = 5 * time.Second
)

// OptionError names the one configuration key that is wrong.
type OptionError struct {
	Option string
	Value  string
	Reason string
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("cloudtap: invalid config option %s=%q: %s", e.Option, e.Value, e.Reason)
}

// ParseConfig reads the configuration grammar in the package
// documentation.
func ParseConfig(s string) (Config, error) {
	pairs, err := splitPairs(s)
	if err != nil {
		return Config{}, err
	}
	redisURL := DefaultRedisURL
	if v, ok := pairs.take("redis"); ok {
		redisURL = v
	}
	// hotstore checks the bare URL first: its errors name the bad part and
	// never echo a password. They are passed on as they are, the same
	// words as when the configuration was a URL only.
	if _, err := hotstore.ParseURL(stripQuery(redisURL)); err != nil {
		return Config{}, err
	}
	u, err := url.Parse(redisURL)
	if err != nil {
		return Config{}, fmt.Errorf("cloudtap: config: redis URL: %w", err)
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, &OptionError{"redis", "(redacted)", "bad URL query: " + err.Error()}
	}
	// Keys in the URL's query join the pairs: the grammar is the same.
	for k, vs := range query {
		for _, v := range vs {
			if err := pairs.add(k, v); err != nil {
				return Config{}, err
			}
		}
	}
	cfg := Config{CloseTimeout: DefaultCloseTimeout, ShipCloseTimeout: DefaultShipCloseTimeout}
	if err := cfg.applyOwn(pairs); err != nil {
		return Config{}, err
	}
	if err := cfg.takeShipOptions(pairs); err != nil {
		return Config{}, err
	}
	hotQuery := url.Values{}
	for _, p := range pairs.list {
		hotQuery.Set(p.key, p.value)
	}
	u.RawQuery = hotQuery.Encode()
	if cfg.Redis, err = hotstore.ParseURL(u.String()); err != nil {
		return Config{}, err
	}
	if err := cfg.protectColdTier(); err != nil {
		return Config{}, err
	}
	if err := cfg.shipperConfig(); err != nil {
		return Config{}, err
	}
	cfg.shipOptions = nil
	return cfg, nil
}

// applyOwn takes logwriter's own keys out of pairs.
func (c *Config) applyOwn(pairs *pairList) error {
	if v, ok := pairs.take("elasticsearch"); ok {
		if err := checkElasticsearchURL(v); err != nil {
			return err
		}
		c.ElasticsearchURL = v
	}
	if v, ok := pairs.take("close-timeout"); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return &OptionError{"close-timeout", v, "want a positive duration such as 500ms, 5s or 1m"}
		}
		c.CloseTimeout = d
	}
	return nil
}

// protectColdTier: with a cold tier, retention must not trim what it has
// not acknowledged, so its consumer group is protected by default.
func (c *Config) protectColdTier() error {
	if c.ElasticsearchURL == "" {
		return nil
	}
	if c.Redis.Mode != hotstore.ModeStream {
		return &OptionError{"elasticsearch", coldstore.RedactURL(c.ElasticsearchURL),
			fmt.Sprintf("the cold tier reads Redis streams; mode=%s cannot feed it", c.Redis.Mode)}
	}
	if c.Redis.ProtectGroup == "" {
		c.Redis.ProtectGroup = DefaultGroup
	}
	return nil
}

func checkElasticsearchURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return &OptionError{"elasticsearch", coldstore.RedactURL(v), "not a URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &OptionError{"elasticsearch", coldstore.RedactURL(v), "want an http:// or https:// URL"}
	}
	if u.Host == "" {
		return &OptionError{"elasticsearch", coldstore.RedactURL(v), "the URL names no host"}
	}
	return nil
}

func stripQuery(rawURL string) string {
	base, _, _ := strings.Cut(rawURL, "?")
	return base
}

// pair is one key=value of the configuration.
type pair struct{ key, value string }

// pairList keeps the pairs in order and refuses a key given twice.
type pairList struct{ list []pair }

func (l *pairList) add(key, value string) error {
	for _, p := range l.list {
		if p.key == key {
			return &OptionError{key, redactIf(key, value), "given more than once"}
		}
	}
	l.list = append(l.list, pair{key, value})
	return nil
}

// take removes key and returns its value.
func (l *pairList) take(key string) (string, bool) {
	for i, p := range l.list {
		if p.key == key {
			l.list = append(l.list[:i], l.list[i+1:]...)
			return p.value, true
		}
	}
	return "", false
}

// redactIf hides the values that may hold a password.
func redactIf(key, value string) string {
	if key == "redis" || key == "elasticsearch" || key == "es-username" {
		return coldstore.RedactURL(value)
	}
	return value
}

// splitPairs reads white-space-separated key=value words. A word that is
// a redis:// or rediss:// URL stands for redis=URL.
func splitPairs(s string) (*pairList, error) {
	pairs := &pairList{}
	for _, word := range strings.Fields(s) {
		if strings.HasPrefix(word, "redis://") || strings.HasPrefix(word, "rediss://") {
			if err := pairs.add("redis", word); err != nil {
				return nil, err
			}
			continue
		}
		key, value, ok := strings.Cut(word, "=")
		if !ok || key == "" || strings.Contains(key, "://") {
			return nil, wordError(word)
		}
		if err := pairs.add(key, value); err != nil {
			return nil, err
		}
	}
	return pairs, nil
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
		return errors.New("cloudtap: config: a word is neither key=value nor a redis:// URL")
	}
	return fmt.Errorf("cloudtap: config: %q is neither key=value nor a redis:// URL", word)
}
