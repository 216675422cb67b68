package coldstore

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

func TestMappingOfEveryZeekType(t *testing.T) {
	cases := map[string]map[string]any{
		"addr":           {"type": "ip"},
		"count":          {"type": "long"},
		"int":            {"type": "long"},
		"port":           {"type": "long"},
		"double":         {"type": "double"},
		"interval":       {"type": "double"},
		"time":           {"type": "date", "format": "epoch_second||strict_date_optional_time"},
		"string":         {"type": "keyword"},
		"enum":           {"type": "keyword"},
		"subnet":         {"type": "keyword"},
		"bool":           {"type": "boolean"},
		"set[addr]":      {"type": "ip"},
		"vector[string]": {"type": "keyword"},
		"vector[count]":  {"type": "long"},
		"table[string]":  {"type": "keyword"}, // Bro 2.x spelling of a set
	}
	for zeekType, want := range cases {
		got, err := fieldMapping(zeekType)
		require.NoError(t, err, zeekType)
		assert.Equal(t, want, got, zeekType)
	}
	_, err := fieldMapping("record")
	assert.ErrorContains(t, err, `"record"`)
}

// Zeek's dotted names become objects, the form Elasticsearch returns for
// the flat "id.orig_h" keys of a record; @timestamp is always there.
func TestMappingNestsDottedNamesAndAddsTimestamp(t *testing.T) {
	props, err := Mapping(zeekschema.Schema{
		{Name: "ts", Type: "time"},
		{Name: "id.orig_h", Type: "addr"},
		{Name: "id.orig_p", Type: "port"},
		{Name: "tags", Type: "set[string]"},
	})
	require.NoError(t, err)
	got, err := json.Marshal(props)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"@timestamp": {"type": "date"},
		"ts": {"type": "date", "format": "epoch_second||strict_date_optional_time"},
		"id": {"properties": {"orig_h": {"type": "ip"}, "orig_p": {"type": "long"}}},
		"tags": {"type": "keyword"}
	}`, string(got))
}

func TestMappingRefusesAFieldThatIsAlsoAnObject(t *testing.T) {
	_, err := Mapping(zeekschema.Schema{{Name: "id", Type: "string"}, {Name: "id.orig_h", Type: "addr"}})
	assert.ErrorContains(t, err, `"id"`)
	_, err = Mapping(zeekschema.Schema{{Name: "id.orig_h", Type: "addr"}, {Name: "id", Type: "string"}})
	assert.ErrorContains(t, err, `"id"`)
	_, err = Mapping(zeekschema.Schema{{Name: "a..b", Type: "addr"}})
	assert.ErrorContains(t, err, "empty part")
}

func TestTemplateForDailyIndicesAndDataStreams(t *testing.T) {
	schema := zeekschema.Schema{{Name: "ts", Type: "time"}, {Name: "id.orig_h", Type: "addr"}}
	daily, err := buildTemplate(targets{mode: IndexDaily, prefix: "zeek"}, "conn", schema)
	require.NoError(t, err)
	assert.Equal(t, "cloudtap-zeek-conn", daily.Name)
	type templateBody struct {
		IndexPatterns []string        `json:"index_patterns"`
		Priority      int             `json:"priority"`
		DataStream    json.RawMessage `json:"data_stream"`
		Template      struct {
			Mappings struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	var body templateBody
	require.NoError(t, json.Unmarshal(daily.Body, &body))
	assert.Equal(t, []string{"zeek-conn-*"}, body.IndexPatterns)
	assert.Equal(t, 204, body.Priority, "above the built-in logs template (100), longer paths higher")
	assert.Nil(t, body.DataStream)
	assert.JSONEq(t, `{"properties":{"orig_h":{"type":"ip"}}}`, string(body.Template.Mappings.Properties["id"]))

	ds, err := buildTemplate(targets{mode: IndexDataStream, namespace: "prod"}, "dce-rpc", nil)
	require.NoError(t, err)
	assert.Equal(t, "cloudtap-logs-zeek.dce_rpc", ds.Name)
	body = templateBody{}
	require.NoError(t, json.Unmarshal(ds.Body, &body))
	assert.Equal(t, []string{"logs-zeek.dce_rpc-*"}, body.IndexPatterns)
	assert.JSONEq(t, `{}`, string(body.DataStream))
	assert.Len(t, body.Template.Mappings.Properties, 2, "no schema: @timestamp and ts only")
	assert.JSONEq(t, `{"type":"date","format":"epoch_second||strict_date_optional_time"}`, string(body.Template.Mappings.Properties["ts"]))
}
