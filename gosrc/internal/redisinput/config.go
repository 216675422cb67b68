// Package redisinput reads Redis keys into Zeek's Input framework: the Go
// half of Input::READER_REDIS (plugin/src/RedisReader.cc). A hash, set,
// list or stream is read as rows of the input's fields, each value
// checked against its Zeek type and written in Zeek's ASCII form, which
// the plugin parses with Zeek's own formatter.
//
// Source, as $source of Input::add_table or Input::add_event:
//
//	redis://[USER:PASSWORD@]HOST[:PORT][/DB][?OPTIONS]#KEY
//	KEY                         the server of CloudTap::redis_url
//
// where OPTIONS are the hot tier's connection options (password=,
// tls-ca-file=, cluster=, ...); either may be a whole writer
// configuration, URL and words, of which the server's part counts.
// $config takes the rows of Options.
//
// What a key holds, by its Redis type:
//
//	hash    one row per field; the value is the row (format=json: an object
//	        of the input's field names, nested records flattened with dots
//	        or as objects; format=tsv: the columns in order, tab-separated)
//	set     one row per member, as a hash's values
//	list    one row per element, as a hash's values
//	stream  one row per entry; the entry's fields are the columns, and an
//	        entry with _op=remove deletes the row it names
//
// Modes: MANUAL reads once (once Redis answers); REREAD reads again when
// the key's content changed, checked every poll=; STREAM reads a stream
// from its start and follows it, or a hash and then follows its changes
// stream (changes=, by default {KEY}:changes, which cloudtap intel writes
// along with the hash): entries with op=add or op=remove and the row in
// value=.
package redisinput

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

const component = "reader"

// Mode is the Input framework's reading mode.
type Mode int

const (
	Manual Mode = iota
	Reread
	Stream
)

func (m Mode) String() string { return [...]string{"MANUAL", "REREAD", "STREAM"}[m] }

// Config is one input's.
type Config struct {
	Redis   hotstore.Config
	Key     string
	Format  string // json or tsv
	Changes string // the changes stream of a hash followed in STREAM mode
	Poll    time.Duration
	Mode    Mode
	// redisURL is $config's redis_url, which replaces the default server.
	redisURL string
}

// DefaultPoll is how often REREAD looks at a key.
const DefaultPoll = 5 * time.Second

// Options is the reader's $config table.
var Options = &option.Table[Config]{Component: component, Options: []option.Option[Config]{
	option.String("redis_url", "", "the Redis server, when $source is a bare key (default: CloudTap::redis_url)",
		func(c *Config) *string { return &c.redisURL }),
	option.Enum("format", "json", "how a hash value, set member or list element holds a row: json (an object of field names) or tsv (the columns in order)",
		[]string{"json", "tsv"}, func(c *Config) *string { return &c.Format }),
	option.String("changes", "", "STREAM mode over a hash: the stream of its changes (default: {KEY}:changes)",
		func(c *Config) *string { return &c.Changes }),
	option.Duration("poll", option.FormatDuration(DefaultPoll), "REREAD: how often the key is read to see whether it changed",
		func(c *Config) *time.Duration { return &c.Poll }),
}}

// Parse reads an input's $source and $config. defaultURL is the server a
// bare key is read from (CloudTap::redis_url).
func Parse(source, defaultURL string, config []option.Pair, mode Mode) (Config, error) {
	var c Config
	Options.ApplyDefaults(&c)
	c.Mode = mode
	for _, p := range config {
		if err := Options.Set(&c, p.Key, p.Value); err != nil {
			return c, err
		}
	}
	url, key := c.redisURL, source
	if strings.Contains(source, "://") {
		if c.redisURL != "" {
			return c, option.Errorf(component, "redis_url", c.redisURL, "$source names a server already")
		}
		i := strings.LastIndex(source, "#")
		if i < 0 {
			return c, errors.New("reader: $source " + redactedURL(source) + " names no key: add #KEY")
		}
		url, key = source[:i], source[i+1:]
	}
	if url == "" {
		url = defaultURL
	}
	if key == "" {
		return c, errors.New("reader: $source names no Redis key")
	}
	c.Key = key
	if c.Changes == "" {
		c.Changes = rediskey.Changes(key)
	}
	if c.Poll <= 0 {
		return c, option.Errorf(component, "poll", c.Poll, "must be greater than zero")
	}
	// The server's part of a writer configuration (CloudTap::redis_url
	// may carry the writer's words too: es-flush-interval=200ms, ...).
	w, err := logwriter.ParseReaderConfig(url)
	if err != nil {
		return c, fmt.Errorf("reader: %w", err)
	}
	c.Redis = w.Redis
	return c, nil
}

// redactedURL leaves out what may be a password.
func redactedURL(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			return s[:i+3] + "…" + s[at:]
		}
	}
	return s
}
