package zeekschema

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// RecordChecker checks Zeek JSON records against a schema: every field is
// declared, and every value has the JSON kind its Zeek type is written as.
// It is what makes a backfill of JSON logs fail on a line the cold tier's
// mappings would refuse, rather than load it.
type RecordChecker struct {
	types map[string]string
}

// NewRecordChecker checks records against s.
func NewRecordChecker(s Schema) *RecordChecker {
	types := make(map[string]string, len(s))
	for _, f := range s {
		types[f.Name] = f.Type
	}
	return &RecordChecker{types: types}
}

// Check returns the first problem of record, naming its field.
func (c *RecordChecker) Check(record []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(record, &fields); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	for name, raw := range fields {
		typ, ok := c.types[name]
		if !ok {
			return fmt.Errorf("field %q is not in the schema", name)
		}
		if err := checkKind(typ, raw); err != nil {
			return fmt.Errorf("field %q (%s): %w", name, typ, err)
		}
	}
	return nil
}

// checkKind compares the kind of a JSON value with its Zeek type. null is
// accepted anywhere: an unset value.
func checkKind(typ string, raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil
	}
	container, elem := ElemType(typ)
	if container != "" {
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return fmt.Errorf("want an array, got %s", kindOf(raw))
		}
		for i, e := range elems {
			if err := checkKind(elem, e); err != nil {
				return fmt.Errorf("element %d: %w", i+1, err)
			}
		}
		return nil
	}
	got := kindOf(raw)
	switch want := jsonKind(typ); {
	case got == want:
		return nil
	case typ == "time" && got == "a string": // LogAscii::json_timestamps ISO 8601
		return nil
	default:
		return fmt.Errorf("want %s, got %s", want, got)
	}
}

// jsonKind is how Zeek's JSON writer renders a value of an atomic type.
func jsonKind(typ string) string {
	switch typ {
	case "bool":
		return "true or false"
	case "int", "count", "port", "double", "time", "interval":
		return "a number"
	}
	return "a string"
}

func kindOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case 't', 'f':
		return "true or false"
	case '"':
		return "a string"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "a number"
}
