package redisinput

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// badField is a row's fault: the field it names, and why.
type badField struct {
	field  string
	reason string
}

func (e *badField) Error() string {
	if e.field == "" {
		return e.reason
	}
	return "field " + e.field + ": " + e.reason
}

// rowOf reads a hash value, set member or list element as a row.
func (r *Reader) rowOf(value string) ([]string, error) {
	if r.cfg.Format == "tsv" {
		parts := strings.Split(value, "\t")
		if len(parts) != len(r.cols) {
			return nil, &badField{reason: fmt.Sprintf("%d tab-separated columns, want %d (%s)", len(parts), len(r.cols), r.names())}
		}
		vals := make(map[string]any, len(parts))
		for i, p := range parts {
			if p != unsetField {
				vals[r.cols[i].name] = p
			}
		}
		return r.convert(vals)
	}
	d := json.NewDecoder(bytes.NewReader([]byte(value)))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil || obj == nil {
		return nil, &badField{reason: "not a JSON object of the input's fields"}
	}
	vals := map[string]any{}
	flatten("", obj, vals)
	return r.convert(vals)
}

// flatten names nested objects' members with dots, as Zeek names the
// fields of nested records (meta.source).
func flatten(prefix string, obj map[string]any, out map[string]any) {
	for k, v := range obj {
		if m, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", m, out)
			continue
		}
		out[prefix+k] = v
	}
}

// convert writes vals, by field name, as the row's columns; a name that
// is no field is refused, a field without a value is unset.
func (r *Reader) convert(vals map[string]any) ([]string, error) {
	for name := range vals {
		if _, ok := r.byName[name]; !ok {
			return nil, &badField{field: name, reason: "no such field (the input has " + r.names() + ")"}
		}
	}
	row := make([]string, len(r.cols))
	for i, c := range r.cols {
		s, err := c.ascii(vals[c.name])
		if err != nil {
			return nil, &badField{field: c.name, reason: err.Error()}
		}
		row[i] = s
	}
	return row, nil
}

func (r *Reader) names() string {
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}
