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

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/metrics"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
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

// shipFlags are the command's flags: one per row of coldstore.Options,
// and the few that are the command's own. config reads them into a
// coldstore.Config.
type shipFlags struct {
	redisURL, esURL, schemaFile, group, metricsAddr *string
	statsEvery                                      *time.Duration
	options                                         *tableFlags[coldstore.Config]
}

func setupShip(fs *flag.FlagSet, o outputs) func([]string) error {
	f := newShipFlags(fs)
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
		return ship(o, cfg, *f.statsEvery, *f.metricsAddr)
	}
}

func newShipFlags(fs *flag.FlagSet) shipFlags {
	return shipFlags{
		redisURL:    fs.String("redis", "", "hot tier: Redis URL and options, as the writer takes them (default $"+logwriter.EnvRedisURL+", else "+logwriter.DefaultRedisURL+"); its prefix= names the streams, its protect-group= the default --group, its es-<option> words set these flags' defaults"),
		esURL:       fs.String("elasticsearch", "", "Elasticsearch or OpenSearch base URL, http(s)://[user:password@]host:port[/path] (default $"+envElasticsearchURL+", else elasticsearch= in --redis); an API key comes from $"+envElasticsearchAPIKey),
		schemaFile:  fs.String("schema", "", "Zeek schemas for the index templates: JSON {\"conn\":[{\"name\":..,\"type\":..}],...}, one JSON schema, or a Zeek TSV log header (default: the schema the writer stored in Redis)"),
		group:       fs.String("group", "", "consumer group shared by every shipper (default: protect-group of --redis, else "+rediskey.DefaultGroup+")"),
		statsEvery:  fs.Duration("stats-interval", time.Minute, "print statistics this often (0: only at exit)"),
		metricsAddr: fs.String("metrics", "", "serve Prometheus metrics on HOST:PORT/metrics (shipped, retried, dead-lettered, group lag, pending, bulk latency by path; /healthz answers ok); default: none"),
		options:     addTableFlags(fs, coldstore.Options),
	}
}

// config builds the shipper's configuration: the defaults, then the
// es-<option> words of --redis (the configuration Zeek's writer may share),
// then every flag given on the command line, in the environment or in the
// file, which win. Every mistake is a usage error naming the option where
// it was given (where).
func (f shipFlags) config(where func(string) string) (coldstore.Config, error) {
	hot, err := logwriter.ParseReaderConfig(*f.redisURL)
	if err != nil {
		return coldstore.Config{}, usagef("%s: %v", where("redis"), err)
	}
	cfg := coldstore.DefaultConfig()
	cfg.Redis = hot.Redis
	if err := option.Apply(coldstore.Options, &cfg, hot.ShipperOptions); err != nil {
		return coldstore.Config{}, usagef("%s: %v", where("redis"), err)
	}
	if err := f.options.apply(&cfg); err != nil {
		return coldstore.Config{}, optionUsageError(err, where)
	}
	cfg.ElasticsearchURL = firstSet(*f.esURL, hot.ElasticsearchURL)
	cfg.Password = os.Getenv(envElasticsearchPassword)
	cfg.APIKey = os.Getenv(envElasticsearchAPIKey)
	cfg.Group = firstSet(*f.group, hot.Redis.ProtectGroup, rediskey.DefaultGroup)
	if cfg.Consumer == "" {
		if cfg.Consumer, err = os.Hostname(); err != nil {
			return coldstore.Config{}, usagef("%s: no host name to default to (%v); name this shipper", where("consumer"), err)
		}
	}
	if *f.schemaFile != "" {
		if cfg.Schemas, err = coldstore.LoadSchemaFile(*f.schemaFile, cfg.Paths); err != nil {
			return coldstore.Config{}, usagef("%s: %v", where("schema"), err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return coldstore.Config{}, optionUsageError(err, where)
	}
	return cfg, nil
}

// optionUsageError names a bad option where the user gave it.
func optionUsageError(err error, where func(string) string) error {
	var oe *option.Error
	if errors.As(err, &oe) && oe.Component == "coldstore" {
		return usagef("%s %q: %s", where(oe.Option), oe.Value, oe.Reason)
	}
	return usagef("%v", err)
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
func ship(o outputs, cfg coldstore.Config, statsEvery time.Duration, metricsAddr string) error {
	cfg.OnError = nil // slog on stderr, repeated errors summarised
	s, err := coldstore.New(cfg)
	if err != nil {
		return usagef("%v", err)
	}
	if metricsAddr != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(metrics.NewShipperCollector(s))
		srv, err := metrics.Serve(metricsAddr, reg)
		if err != nil {
			return usagef("--metrics %s: %v", metricsAddr, err)
		}
		defer srv.Close()
		fmt.Fprintf(o.stderr, "cloudtap ship: metrics on http://%s/metrics\n", srv.Addr())
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
