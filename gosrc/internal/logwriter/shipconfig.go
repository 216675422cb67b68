package logwriter

import (
	"errors"
	"fmt"
	"os"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
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
	var oe *option.Error
	if !errors.As(err, &oe) {
		return fmt.Errorf("cloudtap: writer: cold tier: %w", err)
	}
	if oe.Component != "coldstore" {
		return err // the hot tier's, named as the writer names it
	}
	name, value := oe.Option, oe.Value
	if _, ok := coldstore.Options.Lookup(name); ok {
		name = shipPrefix + name
	}
	if name == "elasticsearch" {
		value = coldstore.RedactURL(value)
	}
	return &option.Error{Component: component, Option: name, Value: value, Reason: oe.Reason}
}
