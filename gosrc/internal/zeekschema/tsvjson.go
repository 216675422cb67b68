package zeekschema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AppendJSON renders one TSV row, read under header h, as a Zeek JSON
// object appended to dst: fields in schema order, unset fields left out,
// numbers as numbers, bools as true/false, sets and vectors as arrays, as
// Zeek's JSON writer (LogAscii::use_json, epoch timestamps) does.
func (h *Header) AppendJSON(dst []byte, row string) ([]byte, error) {
	values := strings.Split(row, h.Separator)
	if len(values) != len(h.Schema) {
		return dst, fmt.Errorf("%d fields, but the header declares %d", len(values), len(h.Schema))
	}
	dst = append(dst, '{')
	first := true
	for i, f := range h.Schema {
		if values[i] == h.UnsetField {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, []byte(f.Name))
		dst = append(dst, ':')
		var err error
		if dst, err = h.appendValue(dst, f.Type, values[i]); err != nil {
			return dst, fmt.Errorf("field %q (%s): %w", f.Name, f.Type, err)
		}
	}
	return append(dst, '}'), nil
}

func (h *Header) appendValue(dst []byte, typ, raw string) ([]byte, error) {
	container, elem := ElemType(typ)
	if container == "" {
		return h.appendAtom(dst, typ, raw)
	}
	dst = append(dst, '[')
	if raw != h.EmptyField {
		for i, e := range strings.Split(raw, h.SetSeparator) {
			if i > 0 {
				dst = append(dst, ',')
			}
			if e == h.UnsetField {
				dst = append(dst, "null"...) // an unset element of a vector
				continue
			}
			var err error
			if dst, err = h.appendAtom(dst, elem, e); err != nil {
				return dst, fmt.Errorf("element %d: %w", i+1, err)
			}
		}
	}
	return append(dst, ']'), nil
}

func (h *Header) appendAtom(dst []byte, typ, raw string) ([]byte, error) {
	switch typ {
	case "bool":
		switch raw {
		case "T":
			return append(dst, "true"...), nil
		case "F":
			return append(dst, "false"...), nil
		}
		return dst, fmt.Errorf("%q is not a bool (want T or F)", raw)
	case "count":
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return dst, fmt.Errorf("%q is not a count", raw)
		}
		return strconv.AppendUint(dst, n, 10), nil
	case "int":
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return dst, fmt.Errorf("%q is not an int", raw)
		}
		return strconv.AppendInt(dst, n, 10), nil
	case "port":
		// TSV logs write the number only; "80/tcp" is how Zeek prints a
		// port elsewhere. JSON has the number.
		num, _, _ := strings.Cut(raw, "/")
		n, err := strconv.ParseUint(num, 10, 16)
		if err != nil {
			return dst, fmt.Errorf("%q is not a port", raw)
		}
		return strconv.AppendUint(dst, n, 10), nil
	case "double", "time", "interval":
		return appendNumber(dst, raw)
	}
	if raw == h.EmptyField {
		return append(dst, `""`...), nil
	}
	return appendJSONString(dst, Unescape(raw)), nil
}

// appendNumber keeps Zeek's own digits (no rounding through float64) when
// they are already a JSON number, and refuses what JSON cannot hold.
func appendNumber(dst []byte, raw string) ([]byte, error) {
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, fmt.Errorf("%q is not a finite number", raw)
	}
	if json.Valid([]byte(raw)) {
		return append(dst, raw...), nil
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64), nil // ".5", "+1" and the like
}

// appendJSONString quotes b as a JSON string. Bytes that are not UTF-8
// become the text \xNN, as Zeek's JSON writer renders them, rather than
// U+FFFD, so no byte is silently replaced.
func appendJSONString(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, '\\', '\\', 'x', hex[c>>4], hex[c&0xf])
			i++
			continue
		}
		dst = append(dst, b[i:i+size]...)
		i += size
	}
	return append(dst, '"')
}
