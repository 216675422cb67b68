package zeekschema

import (
	"fmt"
	"strings"
)

// Field is one column of a Zeek log: its name (e.g. "id.orig_h") and Zeek
// type (e.g. "addr", "set[string]", "vector[count]").
type Field struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Schema is the ordered fields of one log stream.
type Schema []Field

// atomicTypes are the Zeek types a log column can have outside a container.
var atomicTypes = map[string]bool{
	"bool": true, "int": true, "count": true, "double": true, "time": true, "interval": true,
	"string": true, "enum": true, "addr": true, "subnet": true, "port": true,
	"pattern": true, "func": true, "file": true, "any": true, // rare in logs, but Zeek can log them
}

// ElemType splits "set[T]" and "vector[T]" into their container and element
// type; an atomic type has no container.
func ElemType(t string) (container, elem string) {
	for _, c := range []string{"set", "vector"} {
		if strings.HasPrefix(t, c+"[") && strings.HasSuffix(t, "]") {
			return c, t[len(c)+1 : len(t)-1]
		}
	}
	return "", t
}

// NormalizeType spells a type the way current Zeek does. Bro 2.x logs
// declared sets as "table[T]" in their #types line.
func NormalizeType(t string) string {
	if strings.HasPrefix(t, "table[") && strings.HasSuffix(t, "]") {
		return "set" + strings.TrimPrefix(t, "table")
	}
	return t
}

// CheckType reports a type string that is not a Zeek log type.
func CheckType(t string) error {
	container, elem := ElemType(t)
	if !atomicTypes[elem] {
		if container != "" {
			return fmt.Errorf("%s: element type %q is not a Zeek type", t, elem)
		}
		return fmt.Errorf("%q is not a Zeek type", t)
	}
	return nil
}

// Check reports an empty, duplicate or mistyped field.
func (s Schema) Check() error {
	if len(s) == 0 {
		return fmt.Errorf("schema has no fields")
	}
	seen := make(map[string]bool, len(s))
	for i, f := range s {
		if f.Name == "" {
			return fmt.Errorf("field %d has no name", i+1)
		}
		if seen[f.Name] {
			return fmt.Errorf("field %q appears twice", f.Name)
		}
		seen[f.Name] = true
		if err := CheckType(f.Type); err != nil {
			return fmt.Errorf("field %q: %w", f.Name, err)
		}
	}
	return nil
}
