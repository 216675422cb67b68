package coldstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// LoadSchemaFile reads Zeek schemas from a file, in one of three forms:
//
//	{"conn": [{"name": "ts", "type": "time"}, ...], "dns": [...]}
//	[{"name": "ts", "type": "time"}, ...]       one log
//	#fields ts uid ... / #types time string ... the header of a Zeek TSV log
//	                                            (a whole log will do), one log
//
// A one-log file applies to its #path, else to the only path of paths
// (the paths being shipped). Every schema is checked.
func LoadSchemaFile(file string, paths []string) (map[string]zeekschema.Schema, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("schema file: %w", err)
	}
	trimmed := strings.TrimSpace(string(b))
	schemas := map[string]zeekschema.Schema{}
	switch {
	case strings.HasPrefix(trimmed, "["):
		if len(paths) != 1 {
			return nil, fmt.Errorf("schema file %s holds one schema without a path; name exactly one path to ship, "+
				`or write it as {"<path>": [...]}`, file)
		}
		var s zeekschema.Schema
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("schema file %s: %w", file, err)
		}
		schemas[paths[0]] = s
	case strings.HasPrefix(trimmed, "{"):
		if err := json.Unmarshal(b, &schemas); err != nil {
			return nil, fmt.Errorf("schema file %s: want {\"<path>\": [{\"name\": ..., \"type\": ...}, ...]}: %w", file, err)
		}
	case strings.HasPrefix(trimmed, "#"):
		h, err := zeekschema.ParseHeader(headerLines(trimmed))
		if err != nil {
			return nil, fmt.Errorf("schema file %s: %w", file, err)
		}
		path := h.Path
		if path == "" {
			if len(paths) != 1 {
				return nil, fmt.Errorf("schema file %s has no #path line; name exactly one path to ship", file)
			}
			path = paths[0]
		}
		schemas[path] = h.Schema
	default:
		return nil, fmt.Errorf("schema file %s: want a JSON object of schemas by path, one schema (a JSON array), "+
			"or a Zeek TSV header (#fields, #types)", file)
	}
	for p, s := range schemas {
		if err := s.Check(); err != nil {
			return nil, fmt.Errorf("schema file %s: path %s: %w", file, p, err)
		}
	}
	return schemas, nil
}

// headerLines returns the leading "#" lines of a Zeek TSV log.
func headerLines(log string) []string {
	var header []string
	for _, line := range strings.Split(log, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line != "" && !strings.HasPrefix(line, "#") {
			break
		}
		header = append(header, line)
	}
	return header
}

// fetchSchema reads the schema the writer stored for a path. found is
// false when there is none.
func fetchSchema(c redis.Conn, key string) (schema zeekschema.Schema, found bool, err error) {
	b, err := redis.Bytes(c.Do("GET", key))
	if errors.Is(err, redis.ErrNil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("GET %s: %w", key, err)
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		return nil, false, &badSchemaError{fmt.Errorf("schema at %s is not a JSON list of {name, type}: %w", key, err)}
	}
	if err := schema.Check(); err != nil {
		return nil, false, &badSchemaError{fmt.Errorf("schema at %s: %w", key, err)}
	}
	if _, err := Mapping(schema); err != nil {
		return nil, false, &badSchemaError{fmt.Errorf("schema at %s: %w", key, err)}
	}
	return schema, true, nil
}

// badSchemaError is a stored schema that cannot be used, as opposed to
// Redis being unreachable.
type badSchemaError struct{ err error }

func (e *badSchemaError) Error() string { return e.err.Error() }
func (e *badSchemaError) Unwrap() error { return e.err }
