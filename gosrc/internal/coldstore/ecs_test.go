package coldstore

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/communityid"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// conn.log's schema with what ECS draws on, the mirror session included.
var ecsConnSchema = zeekschema.Schema{
	{Name: "ts", Type: "time"}, {Name: "uid", Type: "string"},
	{Name: "id.orig_h", Type: "addr"}, {Name: "id.orig_p", Type: "port"},
	{Name: "id.resp_h", Type: "addr"}, {Name: "id.resp_p", Type: "port"},
	{Name: "id.ctx.mirror_session", Type: "count"},
	{Name: "proto", Type: "enum"}, {Name: "service", Type: "string"}, {Name: "duration", Type: "interval"},
	{Name: "orig_bytes", Type: "count"}, {Name: "resp_bytes", Type: "count"}, {Name: "conn_state", Type: "string"},
	{Name: "orig_pkts", Type: "count"}, {Name: "resp_pkts", Type: "count"},
}

// ecsConn is conn record i: client 10.0.(i/256).(i%256) to one of three
// servers, HTTPS or DNS, in mirror session 42.
func ecsConn(i int) string {
	server, port, proto, svc := []string{"93.184.216.34", "1.1.1.1", "10.9.9.9"}[i%3], 443, "tcp", "ssl"
	if i%3 == 1 {
		port, proto, svc = 53, "udp", "dns"
	}
	return fmt.Sprintf(`{"ts":%d.25,"uid":"CE%06d","id.orig_h":"10.0.%d.%d","id.orig_p":%d,"id.resp_h":"%s","id.resp_p":%d,`+
		`"id.ctx.mirror_session":42,"proto":"%s","service":"%s","duration":1.5,"orig_bytes":%d,"resp_bytes":%d,`+
		`"conn_state":"SF","orig_pkts":%d,"resp_pkts":%d}`,
		baseTS+i, i, i/256, i%256, 40000+i%20000, server, port, proto, svc, 100+i, 1000+i, 3+i%5, 4+i%5)
}

func TestECSDocumentShape(t *testing.T) {
	src, err := ecsSource("conn", []byte(ecsConn(1)), time.Unix(baseTS+1, 250e6))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(src, &doc))
	want, err := communityid.ID(0, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("1.1.1.1"), communityid.ProtoUDP, 40001, 53)
	require.NoError(t, err)
	assert.Equal(t, "2023-11-14T23:58:21.25Z", doc["@timestamp"])
	assert.Equal(t, map[string]any{"module": "zeek", "dataset": "zeek.connection", "kind": "event", "duration": 1.5e9}, doc["event"])
	assert.Equal(t, map[string]any{"ip": "10.0.0.1", "port": 40001.0, "bytes": 101.0, "packets": 4.0}, doc["source"])
	assert.Equal(t, map[string]any{"ip": "1.1.1.1", "port": 53.0, "bytes": 1001.0, "packets": 5.0}, doc["destination"])
	assert.Equal(t, map[string]any{"transport": "udp", "protocol": "dns", "community_id": want}, doc["network"])
	assert.Equal(t, map[string]any{"mirror_session": 42.0}, doc["cloudtap"])
	zeek := doc["zeek"].(map[string]any)
	assert.Equal(t, "CE000001", zeek["session_id"])
	assert.Equal(t, "SF", zeek["connection"].(map[string]any)["conn_state"], "Zeek's fields kept under zeek.connection")

	// A log without a 5-tuple gets no network or endpoint fields.
	src, err = ecsSource("weird", []byte(`{"ts":1.0,"name":"bad_TCP_checksum"}`), time.Unix(1, 0))
	require.NoError(t, err)
	doc = map[string]any{}
	require.NoError(t, json.Unmarshal(src, &doc))
	assert.NotContains(t, doc, "network")
	assert.NotContains(t, doc, "source")
	assert.Equal(t, "zeek.weird", doc["event"].(map[string]any)["dataset"])
	assert.Equal(t, "bad_TCP_checksum", doc["zeek"].(map[string]any)["weird"].(map[string]any)["name"])
}

// ECS documents on the real engine, looked at with the queries Kibana's
// Security app and Discover make: a data stream of the integration's name,
// ECS types, a time-bounded filter on event.dataset with a top-N of
// destinations by bytes, a KQL-style query string on a CIDR and a port,
// and a term on the Community ID.
func TestECSDocumentsAnswerKibanasQueries(t *testing.T) {
	s := startServers(t)
	c := s.redis.Conn(t)
	const n = 600
	recs := make([]string, n)
	for i := range recs {
		recs[i] = ecsConn(i)
	}
	xadd(t, c, "zeek:conn", recs...)
	cfg := testConfig(t, s, "a", "conn")
	cfg.Format = FormatECS
	cfg.Schemas = map[string]zeekschema.Schema{"conn": ecsConnSchema}
	sh := startShipper(t, cfg)
	const stream = "logs-zeek.connection-default"
	s.es.WaitTotal(t, stream, n, waitTimeout)
	eventually(t, "every entry acknowledged", func() bool { return sh.Stats().Shipped == n })
	require.NoError(t, sh.stop())
	assert.Zero(t, sh.Stats().DeadLettered)

	m, err := s.es.Mapping(stream)
	require.NoError(t, err)
	for field, typ := range map[string]string{
		"@timestamp": "date", "source.ip": "ip", "source.port": "long", "source.bytes": "long", "source.packets": "long",
		"destination.ip": "ip", "destination.port": "long", "destination.bytes": "long", "network.transport": "keyword",
		"network.protocol": "keyword", "network.community_id": "keyword", "event.duration": "long", "event.dataset": "keyword",
		"event.module": "keyword", "cloudtap.mirror_session": "long", "zeek.session_id": "keyword",
		"zeek.connection.ts": "date", "zeek.connection.orig_bytes": "long", "zeek.connection.id.orig_h": "ip",
	} {
		assert.Equal(t, typ, m[field], field)
	}

	// Security app, network page: connections in a time range, top
	// destinations by bytes received.
	status, body, err := s.es.Do("POST", "/logs-zeek.*/_search", map[string]any{
		"size": 0, "track_total_hits": true,
		"query": map[string]any{"bool": map[string]any{"filter": []any{
			map[string]any{"term": map[string]any{"event.dataset": "zeek.connection"}},
			map[string]any{"range": map[string]any{"@timestamp": map[string]any{
				"gte": "2023-11-14T00:00:00.000Z", "lte": "2023-11-15T23:59:59.999Z", "format": "strict_date_optional_time"}}},
		}}},
		"aggs": map[string]any{"destinations": map[string]any{
			"terms": map[string]any{"field": "destination.ip", "size": 10, "order": map[string]any{"bytes": "desc"}},
			"aggs":  map[string]any{"bytes": map[string]any{"sum": map[string]any{"field": "destination.bytes"}}},
		}},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, string(body))
	var agg struct {
		Hits struct {
			Total struct{ Value int } `json:"total"`
		} `json:"hits"`
		Aggregations struct {
			Destinations struct {
				Buckets []struct {
					Key      string                  `json:"key"`
					DocCount int                     `json:"doc_count"`
					Bytes    struct{ Value float64 } `json:"bytes"`
				} `json:"buckets"`
			} `json:"destinations"`
		} `json:"aggregations"`
	}
	require.NoError(t, json.Unmarshal(body, &agg))
	assert.Equal(t, n, agg.Hits.Total.Value)
	require.Len(t, agg.Aggregations.Destinations.Buckets, 3)
	wantBytes := map[string]float64{}
	for i := 0; i < n; i++ {
		wantBytes[[]string{"93.184.216.34", "1.1.1.1", "10.9.9.9"}[i%3]] += float64(1000 + i)
	}
	for _, b := range agg.Aggregations.Destinations.Buckets {
		assert.Equal(t, n/3, b.DocCount, b.Key)
		assert.Equal(t, wantBytes[b.Key], b.Bytes.Value, b.Key)
	}

	// Discover: a KQL-style query on a CIDR and a port.
	r, err := s.es.Search(stream, map[string]any{"query_string": map[string]any{
		"query": `source.ip:"10.0.1.0/24" AND destination.port:53`}}, 0)
	require.NoError(t, err)
	toDNS := 0
	for i := 256; i < 512; i++ { // clients 10.0.1.0-255
		if i%3 == 1 {
			toDNS++
		}
	}
	assert.Equal(t, toDNS, r.Total, "records 256-511 to port 53")

	// One connection by its Community ID, as another tool would name it.
	want, err := communityid.ID(0, netip.MustParseAddr("10.9.9.9"), netip.MustParseAddr("10.0.0.2"), communityid.ProtoTCP, 443, 40002)
	require.NoError(t, err)
	r, err = s.es.Search(stream, map[string]any{"term": map[string]any{"network.community_id": want}}, 5)
	require.NoError(t, err)
	require.Equal(t, 1, r.Total)
	assert.Equal(t, "CE000002", r.Hits[0].Source["zeek"].(map[string]any)["session_id"])
}

// TestStrFastPathAgreesWithDecoding: the sliced-out strings and the
// decoded ones are the same, and what is not a string is refused.
func TestStrFastPathAgreesWithDecoding(t *testing.T) {
	for _, raw := range []string{`"10.0.0.1"`, `"tcp"`, `""`, `"a\"b"`, `"caf\u00e9"`, `"café"`, `"tab\there"`, `"\\"`} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(raw), &want), raw)
		got, ok := str(json.RawMessage(raw))
		assert.True(t, ok, raw)
		assert.Equal(t, want, got, raw)
	}
	for _, raw := range []string{``, `null`, `12`, `"unterminated`, `["x"]`, `"bad \x escape"`} {
		_, ok := str(json.RawMessage(raw))
		assert.False(t, ok, raw)
	}
}
