package coldstore

import (
	"fmt"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// timestampField is the field Kibana, data streams and ECS expect; the
// shipper fills it from the record's ts.
const timestampField = "@timestamp"

// zeekTimeFormat reads a Zeek time as Zeek's JSON writes it: epoch seconds
// with a fraction (the default), or ISO 8601 (JSON::TS_ISO8601).
const zeekTimeFormat = "epoch_second||strict_date_optional_time"

// fieldMapping is the Elasticsearch mapping of one Zeek type. Containers
// (set[T], vector[T]) map as their element type: every Elasticsearch field
// may hold an array.
//
// subnet maps to keyword, not ip_range: a subnet in a Zeek log is a label
// ("10.0.0.0/8" matched a rule), searched and aggregated by its exact
// value, and Kibana cannot aggregate an ip_range. Finding the subnets that
// contain an address is rare in Zeek logs and is what the addr fields are
// for.
func fieldMapping(zeekType string) (map[string]any, error) {
	_, elem := zeekschema.ElemType(zeekschema.NormalizeType(zeekType))
	switch elem {
	case "addr":
		return map[string]any{"type": "ip"}, nil
	case "count", "int", "port":
		return map[string]any{"type": "long"}, nil
	case "double", "interval":
		return map[string]any{"type": "double"}, nil
	case "time":
		return map[string]any{"type": "date", "format": zeekTimeFormat}, nil
	case "bool":
		return map[string]any{"type": "boolean"}, nil
	case "string", "enum", "subnet", "pattern", "func", "file", "any":
		return map[string]any{"type": "keyword"}, nil
	}
	return nil, fmt.Errorf("Zeek type %q has no mapping", zeekType)
}

// Mapping returns the "properties" of an Elasticsearch mapping for a Zeek
// schema, with @timestamp added. Zeek's dotted names ("id.orig_h") become
// object fields, the form Elasticsearch itself returns, so that a record's
// flat "id.orig_h" key and the mapping agree on every server.
func Mapping(schema zeekschema.Schema) (map[string]any, error) {
	props := map[string]any{timestampField: map[string]any{"type": "date"}}
	for _, f := range schema {
		m, err := fieldMapping(f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		if err := setField(props, f.Name, m); err != nil {
			return nil, err
		}
	}
	return props, nil
}

// setField places mapping m at a dotted name inside props, creating the
// object fields on the way, and refuses a name that is both a value and an
// object ("a" and "a.b").
func setField(props map[string]any, name string, m map[string]any) error {
	parts := strings.Split(name, ".")
	for _, p := range parts {
		if p == "" {
			return fmt.Errorf("field %q: empty part in a dotted name", name)
		}
	}
	level := props
	for i, p := range parts[:len(parts)-1] {
		obj, exists := level[p].(map[string]any)
		if !exists {
			obj = map[string]any{"properties": map[string]any{}}
			level[p] = obj
		}
		sub, isObject := obj["properties"].(map[string]any)
		if !isObject {
			return fmt.Errorf("field %q: %q is also a field of its own", name, strings.Join(parts[:i+1], "."))
		}
		level = sub
	}
	leaf := parts[len(parts)-1]
	if _, taken := level[leaf]; taken {
		if name == timestampField {
			return nil // the log has its own @timestamp; ours is the same kind
		}
		return fmt.Errorf("field %q: given twice, or also an object of other fields", name)
	}
	level[leaf] = m
	return nil
}
