package coldstore

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseZeekTime(t *testing.T) {
	want := time.Date(2023, 11, 14, 22, 13, 20, 123456000, time.UTC)
	for _, raw := range []string{
		`1700000000.123456`,
		`1700000000.123456000`,
		`"2023-11-14T22:13:20.123456Z"`,
		`"2023-11-14T23:13:20.123456+01:00"`,
		`1.700000000123456e9`,
	} {
		got, err := parseZeekTime(json.RawMessage(raw))
		require.NoError(t, err, raw)
		assert.True(t, want.Equal(got), "%s: got %v", raw, got)
	}
	got, err := parseZeekTime(json.RawMessage(`1700000000`))
	require.NoError(t, err)
	assert.Equal(t, int64(1700000000), got.Unix())
	got, err = parseZeekTime(json.RawMessage(`-1.5`))
	require.NoError(t, err)
	assert.Equal(t, int64(-1500), got.UnixMilli())

	for _, bad := range []string{`"yesterday"`, `true`, `"1700000000"`, `1700000000.12x`, `{}`, `-`} {
		_, err := parseZeekTime(json.RawMessage(bad))
		assert.Error(t, err, bad)
	}
}

func TestDocumentGetsTimestampDailyIndexAndStableID(t *testing.T) {
	daily := targets{mode: IndexDaily, prefix: "zeek"}
	e := entry{ID: "1700000000999-0", Record: []byte(`{"ts":1700006400.5,"uid":"C1","proto":"tcp"}`)}
	d, err := newDocument(daily, "conn", e)
	require.NoError(t, err)
	assert.Equal(t, "zeek-conn-2023.11.15", d.Index, "the UTC day of ts, not of arrival")
	assert.JSONEq(t, `{"@timestamp":"2023-11-15T00:00:00.5Z","ts":1700006400.5,"uid":"C1","proto":"tcp"}`, string(d.Source))

	again, err := newDocument(daily, "conn", e)
	require.NoError(t, err)
	assert.Equal(t, d.DocID, again.DocID, "a re-delivered entry keeps its _id")
	other := e
	other.Record = []byte(`{"ts":1700006400.5,"uid":"C2","proto":"tcp"}`)
	o, err := newDocument(daily, "conn", other)
	require.NoError(t, err)
	assert.NotEqual(t, d.DocID, o.DocID, "the same entry ID from another Redis, other record: another document")
	dns, err := newDocument(daily, "dns", e)
	require.NoError(t, err)
	assert.NotEqual(t, d.DocID, dns.DocID)

	ds := targets{mode: IndexDataStream, namespace: "default"}
	d, err = newDocument(ds, "conn", e)
	require.NoError(t, err)
	assert.Equal(t, "logs-zeek.conn-default", d.Index)
}

func TestDocumentEdgeCases(t *testing.T) {
	daily := targets{mode: IndexDaily, prefix: "zeek"}

	// No ts (loaded_scripts.log has none): the entry's arrival time.
	d, err := newDocument(daily, "loaded_scripts", entry{ID: "1700000000999-3", Record: []byte(` { } `)})
	require.NoError(t, err)
	assert.Equal(t, "zeek-loaded_scripts-2023.11.14", d.Index)
	assert.JSONEq(t, `{"@timestamp":"2023-11-14T22:13:20.999Z"}`, string(d.Source))

	// A record that has its own @timestamp keeps it.
	d, err = newDocument(daily, "x", entry{ID: "1-0", Record: []byte(`{"@timestamp":"2020-01-01T00:00:00Z","ts":1700000000}`)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"@timestamp":"2020-01-01T00:00:00Z","ts":1700000000}`, string(d.Source))

	// Pretty-printed JSON is made one line for the bulk format.
	d, err = newDocument(daily, "x", entry{ID: "1-0", Record: []byte("{\n  \"ts\": 1700000000,\n  \"a\": \"b\"\n}")})
	require.NoError(t, err)
	assert.NotContains(t, string(d.Source), "\n")

	for record, reason := range map[string]string{
		`[1,2]`:           "not a JSON object",
		`{"ts":`:          "not valid JSON",
		`{"ts":"monday"}`: "field ts",
		`null`:            "not a JSON object",
	} {
		_, err := newDocument(daily, "conn", entry{ID: "1-0", Record: []byte(record)})
		assert.ErrorContains(t, err, reason, record)
	}
	_, err = newDocument(daily, "conn", entry{ID: "1-0"})
	assert.ErrorIs(t, err, errNoRecord)
}

func TestBulkBodyIsNDJSON(t *testing.T) {
	docs := []document{
		{Index: "zeek-conn-2023.11.14", DocID: "a", Source: []byte(`{"x":1}`)},
		{Index: "zeek-conn-2023.11.15", DocID: "b", Source: []byte(`{"x":2}`)},
	}
	assert.Equal(t, `{"index":{"_index":"zeek-conn-2023.11.14","_id":"a"}}
{"x":1}
{"index":{"_index":"zeek-conn-2023.11.15","_id":"b"}}
{"x":2}
`, string(bulkBody("index", docs)))
}

// BenchmarkNewDocument is the shipper's CPU per record before the wire:
// what the engine's cores lose to it when both share a machine.
func BenchmarkNewDocument(b *testing.B) {
	for _, f := range []Format{FormatZeek, FormatECS} {
		b.Run("format="+string(f), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Format = f
			t := newTargets(&cfg)
			recs := make([]entry, 1000)
			for i := range recs {
				recs[i] = entry{ID: fmt.Sprintf("1764700000000-%d", i), Record: []byte(connRecord(i))}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := newDocument(t, "conn", recs[i%len(recs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
