package coldstore

import (
	"encoding/json"
	"fmt"

	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// templatePriority is above Elasticsearch's built-in "logs" template (100
// on logs-*-*), which would otherwise win for data streams. The path's
// length is added so that where two paths' patterns overlap
// (zeek-conn-* also matches zeek-conn-summary-2024.05.01), the longer,
// more specific one wins: Elasticsearch refuses overlapping templates of
// equal priority.
const templatePriority = 200

// indexTemplate is one path's composable index template
// (PUT _index_template/<Name>), understood by Elasticsearch ≥ 7.8 and
// OpenSearch ≥ 1.0.
type indexTemplate struct {
	Name string
	Body []byte
}

// buildTemplate makes the template for path. schema may be empty (not
// known): the template then maps what every Zeek log has, @timestamp and
// ts; other fields are mapped as their JSON values come, strings as
// keyword.
func buildTemplate(t targets, path string, schema zeekschema.Schema) (indexTemplate, error) {
	props := map[string]any{
		timestampField: map[string]any{"type": "date"},
		"ts":           map[string]any{"type": "date", "format": zeekTimeFormat},
	}
	var err error
	switch {
	case t.ecs:
		props, err = ecsProperties(path, schema)
	case len(schema) > 0:
		props, err = Mapping(schema)
	}
	if err != nil {
		return indexTemplate{}, fmt.Errorf("path %s: index template: %w", path, err)
	}
	body := map[string]any{
		"index_patterns": []string{t.pattern(path)},
		"priority":       templatePriority + len(path),
		"template": map[string]any{
			"mappings": map[string]any{
				// Fields the schema does not name (a package's additions,
				// or every field when the schema is unknown) are exact
				// values to filter and aggregate on, as in the schema.
				"dynamic_templates": []any{map[string]any{
					"strings_as_keyword": map[string]any{
						"match_mapping_type": "string",
						"mapping":            map[string]any{"type": "keyword"},
					},
				}},
				"properties": props,
			},
		},
	}
	if t.mode == IndexDataStream {
		body["data_stream"] = map[string]any{}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return indexTemplate{}, fmt.Errorf("path %s: encode index template: %w", path, err)
	}
	return indexTemplate{Name: t.templateName(path), Body: b}, nil
}
