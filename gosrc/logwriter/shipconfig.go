package logwriter

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/coldstore"
)

// ShipMode says who moves records from Redis to Elasticsearch.
type ShipMode string

const (
	// ShipEmbedded: the writer runs a shipper (package coldstore) in its
	// own process, the default when an Elasticsearch URL is given.
	ShipEmbedded ShipMode = "embedded"
	// ShipExternal: `cloudtap ship` processes do it; the writer only keeps
	// retention from trimming what they have not shipped.
	ShipExternal ShipMode = "external"
)

// Defaults of the embedded shipper.
const (
	DefaultShipCloseTimeout = 10 * time.Second
	// shipOptionPrefix marks the keys that go to the embedded shipper:
	// es-index-mode=datastream is `cloudtap ship --index-mode datastream`.
	shipOptionPrefix = "es-"
)

// takeShipOptions removes the ship= and es-* keys from pairs, keeping them
// for shipperConfig.
func (c *Config) takeShipOptions(pairs *pairList) error {
	if v, ok := pairs.take("ship"); ok {
		switch m := ShipMode(v); m {
		case ShipEmbedded, ShipExternal:
			c.Ship = m
		default:
			return &OptionError{"ship", v, "want embedded (a shipper in this process) or external (cloudtap ship processes)"}
		}
	}
	if v, ok := pairs.take(shipOptionPrefix + "close-timeout"); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return &OptionError{shipOptionPrefix + "close-timeout", v, "want a positive duration such as 500ms, 5s or 1m"}
		}
		c.ShipCloseTimeout = d
	}
	kept := pairs.list[:0]
	for _, p := range pairs.list {
		if strings.HasPrefix(p.key, shipOptionPrefix) {
			c.shipOptions = append(c.shipOptions, p)
		} else {
			kept = append(kept, p)
		}
	}
	pairs.list = kept
	return nil
}

// shipperConfig fills c.Shipper for an embedded shipper, or refuses
// shipper options that would do nothing.
func (c *Config) shipperConfig() error {
	if c.ElasticsearchURL == "" {
		if c.Ship != "" {
			return &OptionError{"ship", string(c.Ship), "needs elasticsearch=URL"}
		}
		if len(c.shipOptions) > 0 {
			return &OptionError{c.shipOptions[0].key, c.shipOptions[0].value, "needs elasticsearch=URL"}
		}
		return nil
	}
	if c.Ship == "" {
		c.Ship = ShipEmbedded
	}
	if c.Ship == ShipExternal {
		if len(c.shipOptions) > 0 {
			return &OptionError{c.shipOptions[0].key, c.shipOptions[0].value,
				"ship=external: give shipper options to cloudtap ship, not to the writer"}
		}
		return nil
	}
	sc := coldstore.DefaultConfig()
	sc.Redis = c.Redis
	sc.ElasticsearchURL = c.ElasticsearchURL
	sc.Group = c.Redis.ProtectGroup
	sc.Consumer = defaultConsumer()
	sc.Password = os.Getenv(coldstore.EnvPassword)
	sc.APIKey = os.Getenv(coldstore.EnvAPIKey)
	for _, p := range c.shipOptions {
		if err := sc.SetOption(strings.TrimPrefix(p.key, shipOptionPrefix), p.value); err != nil {
			var oe *coldstore.OptionError
			if errors.As(err, &oe) {
				return &OptionError{p.key, redactIf(p.key, p.value), oe.Reason}
			}
			return err
		}
	}
	if err := sc.Validate(); err != nil {
		return shipOptionError(err)
	}
	c.Shipper = sc
	return nil
}

// defaultConsumer names the embedded shipper in the group: stable across
// restarts, so that a restarted Zeek takes back its own pending entries at
// once, and apart from a `cloudtap ship` on the same host (which defaults
// to the bare host name). Two writers on one host with this name share
// pending entries; document ids are deterministic, so a record shipped by
// both is still one document.
func defaultConsumer() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host + "/writer"
}

// shipOptionError names a shipper option by its writer key (es-…).
func shipOptionError(err error) error {
	var oe *coldstore.OptionError
	if !errors.As(err, &oe) {
		return fmt.Errorf("cloudtap: config: cold tier: %w", err)
	}
	name := oe.Option
	if coldstore.HasOption(name) {
		name = shipOptionPrefix + name
	}
	value := oe.Value
	if name == "elasticsearch" {
		value = coldstore.RedactURL(value)
	}
	return &OptionError{name, value, oe.Reason}
}
