package coldstore

import "fmt"

// Format is the shape of the documents the shipper writes.
type Format string

const (
	// FormatZeek keeps each record as Zeek wrote it, with @timestamp
	// added: the fields are Zeek's own ("id.orig_h", "orig_bytes").
	FormatZeek Format = "zeek"
	// FormatECS writes the shape Elastic's Zeek integration produces, so
	// that Kibana's Security app and the integration's Zeek views work on
	// the data without an ingest pipeline: ECS fields (source.ip,
	// destination.port, network.community_id, event.dataset, ...) with
	// Zeek's own fields under zeek.<dataset>, into the data streams
	// logs-zeek.<dataset>-<namespace> (index-mode does not apply). See
	// ecs.go.
	FormatECS Format = "ecs"
)

// ParseFormat reads "zeek" or "ecs".
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatZeek, FormatECS:
		return f, nil
	}
	return "", fmt.Errorf("want zeek or ecs")
}
