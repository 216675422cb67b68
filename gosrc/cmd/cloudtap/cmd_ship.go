package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/logwriter"
)

// Environment variables of the cold tier, beside logwriter.EnvRedisURL.
// The password and API key are read from the environment only, so that
// they never show in a process list.
const (
	envElasticsearchURL      = "CLOUDTAP_ELASTICSEARCH_URL"
	envElasticsearchPassword = "CLOUDTAP_ELASTICSEARCH_PASSWORD"
	envElasticsearchAPIKey   = "CLOUDTAP_ELASTICSEARCH_API_KEY"
)

func init() {
	register("ship", command{
		summary: "ship logs from the Redis hot tier to Elasticsearch / OpenSearch until interrupted",
		usage:   "[--elasticsearch URL] [--redis URL] [--paths conn,dns] [--schema FILE] [--consumer NAME] [flags]",
		setup:   setupShip,
	})
}

// shipFlags are the command's flags, read into a coldstore.Config by
// config.
type shipFlags struct {
	redisURL, esURL, username, caFile     *string
	paths, schemaFile, group, consumer    *string
	indexMode, indexPrefix, namespace     *string
	batchSize, batchBytes                 *int
	deadLetterMaxLen                      *int64
	flushInterval, claimIdle, drain       *time.Duration
	backoffMin, backoffMax, discover, req *time.Duration
	statsEvery                            *time.Duration
	skipVerify                            *bool
}

func setupShip(fs *flag.FlagSet, o outputs) func([]string) error {
	d := coldstore.DefaultConfig()
	f := shipFlags{
		redisURL:         fs.String("redis", "", "hot tier: Redis URL and options, as the writer takes them (default $"+logwriter.EnvRedisURL+", else "+logwriter.DefaultRedisURL+"); its prefix= names the streams, its protect-group= the default --group"),
		esURL:            fs.String("elasticsearch", "", "Elasticsearch or OpenSearch base URL, http(s)://[user:password@]host:port[/path] (default $"+envElasticsearchURL+", else elasticsearch= in --redis)"),
		username:         fs.String("username", "", "basic-auth user (password from $"+envElasticsearchPassword+"); or put both in the URL, or use $"+envElasticsearchAPIKey+" (id:key or encoded)"),
		caFile:           fs.String("ca-file", "", "PEM file of the CAs to trust for https://"),
		skipVerify:       fs.Bool("tls-skip-verify", false, "accept any server certificate (tests only)"),
		paths:            fs.String("paths", "", "log paths to ship, comma-separated (default: every stream under the key prefix, re-checked every --discover-interval)"),
		schemaFile:       fs.String("schema", "", "Zeek schemas for the index templates: JSON {\"conn\":[{\"name\":..,\"type\":..}],...}, one JSON schema, or a Zeek TSV log header (default: the schema the writer stored in Redis)"),
		group:            fs.String("group", "", "consumer group shared by every shipper (default: protect-group of --redis, else "+coldstore.DefaultGroup+")"),
		consumer:         fs.String("consumer", "", "this shipper's name in the group, unique per shipper, the same across its restarts (default: the host name)"),
		indexMode:        fs.String("index-mode", string(d.IndexMode), "daily (<prefix>-<path>-YYYY.MM.DD) or datastream (logs-zeek.<path>-<namespace>)"),
		indexPrefix:      fs.String("index-prefix", d.IndexPrefix, "start of daily index names"),
		namespace:        fs.String("namespace", d.Namespace, "data stream namespace"),
		batchSize:        fs.Int("batch-size", d.BatchMaxDocs, "most documents per bulk request"),
		batchBytes:       fs.Int("batch-bytes", d.BatchMaxBytes, "most record bytes per bulk request"),
		flushInterval:    fs.Duration("flush-interval", d.FlushInterval, "longest a batch that is not full waits for more records"),
		claimIdle:        fs.Duration("claim-idle", d.ClaimIdle, "take over other consumers' entries pending longer than this (their shipper is presumed dead)"),
		backoffMin:       fs.Duration("backoff-min", d.BackoffMin, "first wait before a retry"),
		backoffMax:       fs.Duration("backoff-max", d.BackoffMax, "longest wait between retries"),
		drain:            fs.Duration("drain-timeout", d.DrainTimeout, "on SIGINT/SIGTERM, how long to finish the batch in flight (what is left stays pending in Redis)"),
		discover:         fs.Duration("discover-interval", d.DiscoverInterval, "how often to look for new streams (without --paths) and for a schema not stored yet"),
		req:              fs.Duration("request-timeout", d.RequestTimeout, "bound on one HTTP request"),
		deadLetterMaxLen: fs.Int64("dead-letter-maxlen", 0, "cap each <path>:dead stream at about this many entries (0: keep all)"),
		statsEvery:       fs.Duration("stats-interval", time.Minute, "print statistics this often (0: only at exit)"),
	}
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q (paths go in --paths)", args[0])
		}
		cfg, err := f.config(o.where)
		if err != nil {
			return err
		}
		if *f.statsEvery < 0 {
			return usagef("%s must not be negative", o.where("stats-interval"))
		}
		return ship(o, cfg, *f.statsEvery)
	}
}

// config builds the shipper's configuration from the flags (which the
// environment and the configuration file may have set) and the --redis
// configuration string. Every mistake is a usage error naming the option
// where it was given (where).
func (f shipFlags) config(where func(string) string) (coldstore.Config, error) {
	hot, err := logwriter.ParseConfig(*f.redisURL)
	if err != nil {
		return coldstore.Config{}, usagef("%s: %v", where("redis"), err)
	}
	cfg := coldstore.DefaultConfig()
	cfg.Redis = hot.Redis
	cfg.ElasticsearchURL = firstSet(*f.esURL, hot.ElasticsearchURL)
	cfg.Username = *f.username
	cfg.Password = os.Getenv(envElasticsearchPassword)
	cfg.APIKey = os.Getenv(envElasticsearchAPIKey)
	cfg.CAFile, cfg.TLSSkipVerify = *f.caFile, *f.skipVerify
	cfg.Group = firstSet(*f.group, hot.Redis.ProtectGroup, coldstore.DefaultGroup)
	cfg.Consumer = *f.consumer
	if cfg.Consumer == "" {
		if cfg.Consumer, err = os.Hostname(); err != nil {
			return coldstore.Config{}, usagef("%s: no host name to default to (%v); name this shipper", where("consumer"), err)
		}
	}
	if *f.paths != "" {
		for _, p := range strings.Split(*f.paths, ",") {
			cfg.Paths = append(cfg.Paths, strings.TrimSpace(p))
		}
	}
	if cfg.IndexMode, err = coldstore.ParseIndexMode(*f.indexMode); err != nil {
		return coldstore.Config{}, usagef("%s %q: %v", where("index-mode"), *f.indexMode, err)
	}
	cfg.IndexPrefix, cfg.Namespace = *f.indexPrefix, *f.namespace
	cfg.BatchMaxDocs, cfg.BatchMaxBytes = *f.batchSize, *f.batchBytes
	cfg.FlushInterval, cfg.ClaimIdle, cfg.DrainTimeout = *f.flushInterval, *f.claimIdle, *f.drain
	cfg.BackoffMin, cfg.BackoffMax = *f.backoffMin, *f.backoffMax
	cfg.DiscoverInterval, cfg.RequestTimeout = *f.discover, *f.req
	cfg.DeadLetterMaxLen = *f.deadLetterMaxLen
	if *f.schemaFile != "" {
		if cfg.Schemas, err = coldstore.LoadSchemaFile(*f.schemaFile, cfg.Paths); err != nil {
			return coldstore.Config{}, usagef("%s: %v", where("schema"), err)
		}
	}
	if err := cfg.Validate(); err != nil {
		var oe *coldstore.OptionError
		if errors.As(err, &oe) {
			return coldstore.Config{}, usagef("%s %q: %s", where(oe.Option), oe.Value, oe.Reason)
		}
		return coldstore.Config{}, usagef("%v", err)
	}
	return cfg, nil
}

func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// ship runs the shipper until SIGINT or SIGTERM, then lets it finish the
// batch in flight, and prints statistics on stderr.
func ship(o outputs, cfg coldstore.Config, statsEvery time.Duration) error {
	cfg.OnError = nil // slog on stderr, repeated errors summarised
	s, err := coldstore.New(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(o.stderr, "cloudtap ship: %s -> %s as %s/%s\n", describePaths(cfg.Paths), redacted(cfg.ElasticsearchURL), cfg.Group, cfg.Consumer)
	done := make(chan struct{})
	if statsEvery > 0 {
		go func() {
			t := time.NewTicker(statsEvery)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					printShipStats(o.stderr, s.Stats())
				}
			}
		}()
	}
	err = s.Run(ctx)
	close(done)
	printShipStats(o.stderr, s.Stats())
	return err
}

func describePaths(paths []string) string {
	if len(paths) == 0 {
		return "every stream"
	}
	return strings.Join(paths, ",")
}

// redacted hides the password of a URL shown on stderr.
func redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func printShipStats(w io.Writer, st coldstore.Stats) {
	lag := fmt.Sprint(st.Lag)
	if st.Lag < 0 {
		lag = "unknown"
	}
	fmt.Fprintf(w, "cloudtap ship: shipped %d (already there %d), retried %d, dead-lettered %d, claimed %d, vanished %d, lag %s\n",
		st.Shipped, st.AlreadyThere, st.Retried, st.DeadLettered, st.Claimed, st.Vanished, lag)
}
