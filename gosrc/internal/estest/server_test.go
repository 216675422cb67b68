package estest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenSearchIsARealNode(t *testing.T) {
	s := StartWith(t, Options{Engine: OpenSearch})
	status, body, err := s.Do("GET", "/", nil)
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))
	var info struct {
		Version struct {
			Distribution string `json:"distribution"`
			Number       string `json:"number"`
		} `json:"version"`
	}
	require.NoError(t, json.Unmarshal(body, &info))
	assert.Equal(t, "opensearch", info.Version.Distribution)
	assert.Regexp(t, `^2\.19\.`, info.Version.Number)

	checkWhatTheColdTierNeeds(t, s)
}

func TestElasticsearchIsARealNode(t *testing.T) {
	s := StartWith(t, Options{Engine: Elasticsearch})
	// No GET /: that is the rest-root module, which Maven Central does not
	// serve. The node's own record says what runs.
	status, body, err := s.Do("GET", "/_nodes/_local", nil)
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))
	var info struct {
		Nodes map[string]struct {
			Version string `json:"version"`
			Modules []struct {
				Name string `json:"name"`
			} `json:"modules"`
		} `json:"nodes"`
	}
	require.NoError(t, json.Unmarshal(body, &info))
	require.Len(t, info.Nodes, 1)
	for _, n := range info.Nodes {
		assert.Regexp(t, `^8\.19\.`, n.Version)
		require.Len(t, n.Modules, 1)
		assert.Equal(t, "transport-netty4", n.Modules[0].Name)
	}

	checkWhatTheColdTierNeeds(t, s)
}

// checkWhatTheColdTierNeeds checks on a real node what an API clone such
// as ZincSearch lacked and the cold tier relies on: an ip field found by a
// CIDR term, a data stream that refuses a second create, daily indices
// written with index ops, and the data kept across a restart on the same
// port.
func checkWhatTheColdTierNeeds(t *testing.T, s *Server) {
	t.Helper()
	status, body, err := s.Do("PUT", "/_index_template/t", `{"index_patterns":["logs-t-*"],"data_stream":{},
		"template":{"mappings":{"properties":{"a":{"type":"ip"}}}}}`)
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))
	doc := `{"create":{"_id":"x"}}` + "\n" + `{"@timestamp":"2024-01-01T00:00:00Z","a":"10.1.2.3"}` + "\n"
	status, body, err = s.Do("POST", "/logs-t-1/_bulk", doc+doc)
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))
	var bulk struct {
		Items []map[string]struct {
			Status int `json:"status"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &bulk))
	require.Len(t, bulk.Items, 2)
	assert.Equal(t, 201, bulk.Items[0]["create"].Status)
	assert.Equal(t, 409, bulk.Items[1]["create"].Status, "a data stream keeps the first copy")
	r, err := s.Search("logs-t-1", map[string]any{"term": map[string]any{"a": "10.0.0.0/8"}}, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Total)
	m, err := s.Mapping("logs-t-1")
	require.NoError(t, err)
	assert.Equal(t, "ip", m["a"])
	daily := `{"index":{"_index":"zeek-t-2024.01.01","_id":"y"}}` + "\n" + `{"a":"10.1.2.3"}` + "\n"
	status, body, err = s.Do("POST", "/_bulk", daily+daily)
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))
	require.NoError(t, json.Unmarshal(body, &bulk))
	require.Len(t, bulk.Items, 2)
	assert.Equal(t, 201, bulk.Items[0]["index"].Status)
	assert.Equal(t, 200, bulk.Items[1]["index"].Status, "an index op replaces")
	r, err = s.Search("zeek-t-2024.01.01", nil, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Total)

	require.NoError(t, s.Stop())
	require.NoError(t, s.Start())
	r, err = s.Search("logs-t-1", nil, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Total)
}

func TestEngineEnvChoosesTheDefaultEngine(t *testing.T) {
	t.Setenv(EngineEnv, "")
	assert.Equal(t, OpenSearch, DefaultEngine())
	t.Setenv(EngineEnv, "elasticsearch")
	assert.Equal(t, Elasticsearch, DefaultEngine())
	t.Setenv(EngineEnv, "solr")
	_, err := New(Options{}, t.TempDir(), 1, t.Logf)
	assert.ErrorContains(t, err, `unknown engine "solr"`)
}

func TestHeapEnvSizesTheNode(t *testing.T) {
	t.Setenv(HeapEnv, "")
	h, err := heapSize()
	require.NoError(t, err)
	assert.Equal(t, defaultHeap, h)
	t.Setenv(HeapEnv, "2g")
	h, err = heapSize()
	require.NoError(t, err)
	assert.Equal(t, "2g", h)
	for _, bad := range []string{"2", "2gb", "-1g", "0g", "2g -Xss1k"} {
		t.Setenv(HeapEnv, bad)
		_, err := New(Options{}, t.TempDir(), 1, t.Logf)
		assert.ErrorContains(t, err, HeapEnv+"=", bad)
	}
}
