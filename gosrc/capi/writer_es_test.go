package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// TestCWriterShipsToElasticsearch: a C program writes through the C API
// with an Elasticsearch URL in its configuration. When cloudtap_writer_close
// returns, every record is in Redis and, through the embedded shipper, in
// the search engine once each, typed from the schema the
// program passed.
func TestCWriterShipsToElasticsearch(t *testing.T) {
	bin := buildWriterDemo(t)
	srv := redistest.Start(t, redistest.Options{})
	es := estest.Start(t)

	const threads, per = 4, 1000
	stdout, stderr, err := runWriterDemo(t, bin,
		demoConfig(srv, "elasticsearch="+es.AuthURL()+" es-flush-interval=100ms es-close-timeout=60s"),
		"conn", fmt.Sprint(threads), fmt.Sprint(per))
	require.NoError(t, err, stderr)
	assert.Equal(t, fmt.Sprintf("log %d 0 0 0\nwriter %d 0 0 0\n", threads*per, threads*per), stdout)

	// The records carry no ts: the shipper dates them by their arrival in
	// Redis, today (UTC), or yesterday if the test ran across midnight.
	index := "zeek-conn-*"
	es.WaitTotal(t, index, threads*per, time.Minute)
	for thread := 0; thread < threads; thread++ { // writerdemo numbers threads from 0
		for _, n := range []int{0, per / 2, per - 1} {
			r, err := es.Search(index, map[string]any{"term": map[string]any{"uid": fmt.Sprintf("t%d-%d", thread, n)}}, 5)
			require.NoError(t, err)
			assert.Equal(t, 1, r.Total, "record t%d-%d once", thread, n)
		}
	}
	m, err := es.Mapping("zeek-conn-" + time.Now().UTC().Format("2006.01.02"))
	require.NoError(t, err)
	assert.Equal(t, "keyword", m["uid"], "string is a keyword")
	assert.Equal(t, "long", m["n"], "count is a long")
	assert.Equal(t, "date", m["@timestamp"])
}
