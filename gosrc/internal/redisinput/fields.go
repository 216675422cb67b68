package redisinput

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Field is one column of an input, as Zeek names it (nested record fields
// flattened with dots: meta.source) with its Zeek type string.
type Field struct {
	Name string
	Type string // "addr", "set[string]", "vector[count]", ...
}

// column is a Field ready to convert values.
type column struct {
	name      string
	base      string // the type, or the element type of a set or vector
	container bool
}

// Zeek's ASCII form, as the plugin's formatter reads it.
const (
	setSeparator = ","
	unsetField   = "-"
	emptyField   = "(empty)"
)

var scalarTypes = map[string]bool{
	"bool": true, "count": true, "int": true, "double": true, "time": true, "interval": true,
	"addr": true, "subnet": true, "port": true, "enum": true, "string": true,
}

func newColumns(fields []Field) ([]column, error) {
	if len(fields) == 0 {
		return nil, errors.New("reader: the input has no fields")
	}
	cols := make([]column, len(fields))
	for i, f := range fields {
		c := column{name: f.Name, base: f.Type}
		for _, pre := range []string{"set[", "vector["} {
			if strings.HasPrefix(f.Type, pre) && strings.HasSuffix(f.Type, "]") {
				c.base, c.container = f.Type[len(pre):len(f.Type)-1], true
			}
		}
		if !scalarTypes[c.base] {
			return nil, fmt.Errorf("reader: field %s: type %s is not one Redis rows can hold (want bool, count, int, double, time, interval, addr, subnet, port, enum, string, or a set or vector of one)", f.Name, f.Type)
		}
		cols[i] = c
	}
	return cols, nil
}

var enumName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$`)

// ascii turns one value, from JSON (string, json.Number, bool, array,
// nil) or a stream field (string), into Zeek's ASCII form for the column.
func (c column) ascii(v any) (string, error) {
	if v == nil {
		return unsetField, nil
	}
	if !c.container {
		return scalar(c.base, v)
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case string:
		if x == "" {
			return emptyField, nil
		}
		for _, s := range strings.Split(x, setSeparator) {
			items = append(items, s)
		}
	default:
		return "", fmt.Errorf("want a list of %s", c.base)
	}
	if len(items) == 0 {
		return emptyField, nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, err := scalar(c.base, it)
		if err != nil {
			return "", fmt.Errorf("element %d: %w", i+1, err)
		}
		out[i] = s
	}
	return strings.Join(out, setSeparator), nil
}

func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func scalar(typ string, v any) (string, error) {
	if b, ok := v.(bool); ok {
		if typ != "bool" {
			return "", fmt.Errorf("%v is not a %s", b, typ)
		}
		if b {
			return "T", nil
		}
		return "F", nil
	}
	s, ok := text(v)
	if !ok {
		return "", fmt.Errorf("want a %s, got %T", typ, v)
	}
	switch typ {
	case "string":
		return escapeString(s), nil
	case "bool":
		switch strings.ToLower(s) {
		case "t", "true":
			return "T", nil
		case "f", "false":
			return "F", nil
		}
	case "count":
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return strconv.FormatUint(n, 10), nil
		}
	case "int":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.FormatInt(n, 10), nil
		}
	case "double", "interval":
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return strconv.FormatFloat(f, 'f', -1, 64), nil
		}
	case "time":
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return strconv.FormatFloat(f, 'f', -1, 64), nil
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64), nil
		}
		return "", fmt.Errorf("%q is not a time (seconds since the epoch, or RFC 3339)", s)
	case "addr":
		if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
			return a.Unmap().String(), nil
		}
	case "subnet":
		if p, err := netip.ParsePrefix(s); err == nil {
			return p.Masked().String(), nil
		}
	case "port":
		num, proto, _ := strings.Cut(s, "/")
		_, err := strconv.ParseUint(num, 10, 16)
		switch proto {
		case "", "tcp", "udp", "icmp", "unknown":
			if err == nil {
				return s, nil
			}
		}
		return "", fmt.Errorf("%q is not a port (80, or 80/tcp, udp, icmp)", s)
	case "enum":
		if enumName.MatchString(s) {
			return s, nil
		}
	}
	return "", fmt.Errorf("%q is not a %s", s, typ)
}

// escapeString keeps Zeek's ASCII reader from reading a string as
// something else: it unescapes \x.. sequences, reads "-" as unset and
// "(empty)" as empty, and splits sets at commas.
func escapeString(s string) string {
	switch s {
	case "":
		return emptyField
	case unsetField:
		return `\x2d`
	case emptyField:
		return `\x28empty)`
	}
	if !strings.ContainsAny(s, `\,`) {
		return s
	}
	return strings.NewReplacer(`\`, `\x5c`, `,`, `\x2c`).Replace(s)
}
