package coldstore

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Records XADDed to a stream arrive in daily indices (by the UTC day of
// their ts) with their values, their @timestamp, and the mapping built
// from the schema; they are acknowledged in Redis once indexed.
func TestShipsRecordsIntoDailyIndicesWithTheSchemaMapping(t *testing.T) {
	s := startServers(t)
	tp := newTap(t, s.es.URL())
	cfg := testConfig(t, s, "a", "conn")
	cfg.ElasticsearchURL = tp.url(s.esURL())
	c := s.redis.Conn(t)
	const n = 300 // records 100.. are on 2023-11-15
	xaddConn(t, c, 0, n)

	sh := startShipper(t, cfg)
	s.es.WaitTotal(t, "zeek-conn-*", n, waitTimeout)
	s.es.WaitTotal(t, "zeek-conn-2023.11.14", 100, waitTimeout)
	s.es.WaitTotal(t, "zeek-conn-2023.11.15", 200, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return pending(t, c, "zeek:conn", "cloudtap") == 0 })
	require.NoError(t, sh.stop())
	st := sh.Stats()
	assert.Equal(t, uint64(n), st.Shipped)
	assert.Zero(t, st.DeadLettered)
	assert.Zero(t, st.Retried)
	assert.Equal(t, int64(0), st.Lag)

	// Values: record 101 as Zeek wrote it, plus @timestamp from its ts.
	r, err := s.es.Search("zeek-conn-*", map[string]any{"term": map[string]any{"uid": fmt.Sprintf("C%015d", 101)}}, 10)
	require.NoError(t, err)
	require.Len(t, r.Hits, 1)
	hit := r.Hits[0]
	assert.Equal(t, "zeek-conn-2023.11.15", hit.Index)
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(connRecord(101)), &want))
	stamp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(hit.Source["@timestamp"]))
	require.NoError(t, err)
	assert.True(t, time.Date(2023, 11, 15, 0, 0, 1, 101000000, time.UTC).Equal(stamp), "@timestamp %v", stamp)
	delete(hit.Source, "@timestamp")
	assert.Equal(t, want, hit.Source)

	// The mapping the engine holds, from the log's schema.
	m, err := s.es.Mapping("zeek-conn-2023.11.14")
	require.NoError(t, err)
	for field, typ := range map[string]string{
		"ts": "date", "@timestamp": "date", "orig_bytes": "long", "id.orig_p": "long", "duration": "double",
		"uid": "keyword", "proto": "keyword", "tunnel_parents": "keyword", "local_orig": "boolean",
		"id.orig_h": "ip", "id.resp_h": "ip",
	} {
		assert.Equal(t, typ, m[field], field)
	}

	// The template as sent.
	puts := tp.sent("PUT", "/_index_template/cloudtap-zeek-conn")
	require.Len(t, puts, 1)
	var tmpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Template      struct {
			Mappings struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	require.NoError(t, json.Unmarshal(puts[0].Body, &tmpl))
	assert.Equal(t, []string{"zeek-conn-*"}, tmpl.IndexPatterns)
	assert.JSONEq(t, `{"properties":{"orig_h":{"type":"ip"},"orig_p":{"type":"long"},"resp_h":{"type":"ip"},"resp_p":{"type":"long"}}}`,
		string(tmpl.Template.Mappings.Properties["id"]))
	assert.JSONEq(t, `{"type":"date","format":"epoch_second||strict_date_optional_time"}`, string(tmpl.Template.Mappings.Properties["ts"]))
}

// Shipping the same entries again (the group rewound, as after a crash
// before XACK) leaves one document per record: ids are deterministic.
func TestRedeliveredEntriesStayOneDocumentEach(t *testing.T) {
	for _, mode := range []IndexMode{IndexDaily, IndexDataStream} {
		t.Run(string(mode), func(t *testing.T) {
			s := startServers(t)
			cfg := testConfig(t, s, "a", "conn")
			cfg.IndexMode = mode
			pattern := map[IndexMode]string{IndexDaily: "zeek-conn-*", IndexDataStream: "logs-zeek.conn-default"}[mode]
			c := s.redis.Conn(t)
			const n = 1000
			xaddConn(t, c, 0, n)

			first := startShipper(t, cfg)
			eventually(t, "first delivery", func() bool { return first.Stats().Shipped == n })
			require.NoError(t, first.stop())
			s.es.WaitTotal(t, pattern, n, waitTimeout)

			_, err := c.Do("XGROUP", "SETID", "zeek:conn", "cloudtap", "0")
			require.NoError(t, err)
			second := startShipper(t, cfg)
			eventually(t, "second delivery", func() bool { return second.Stats().Shipped == n })
			require.NoError(t, second.stop())
			st := second.Stats()
			assert.Zero(t, st.DeadLettered)
			if mode == IndexDataStream {
				// Create-only: the engine answers 409 for each, which
				// counts as stored.
				assert.Equal(t, uint64(n), st.AlreadyThere, "every resent record was already there")
			} else {
				assert.Zero(t, st.AlreadyThere, "daily indices overwrite by _id")
			}
			s.es.WaitTotal(t, pattern, n, waitTimeout)
			distinct, docs := uniqueSeqs(t, s.es, pattern, n+10)
			assert.Equal(t, n, distinct)
			assert.Equal(t, n, docs)
			assert.Equal(t, 0, pending(t, c, "zeek:conn", "cloudtap"))
		})
	}
}
