package coldstore

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// With no paths given, the shipper ships every record stream under the
// prefix (not dead-letter streams), including ones that appear later, and
// builds each template from the schema the writer stored in Redis.
func TestDiscoversStreamsAndUsesTheSchemaStoredInRedis(t *testing.T) {
	s := startServers(t)
	c := s.redis.Conn(t)
	dnsSchema := zeekschema.Schema{{Name: "ts", Type: "time"}, {Name: "query", Type: "string"}, {Name: "rtt", Type: "interval"}}
	stored, err := json.Marshal(dnsSchema)
	require.NoError(t, err)
	_, err = c.Do("SET", "zeek:dns:schema", stored)
	require.NoError(t, err)
	xadd(t, c, "zeek:dns", `{"ts":1700006300.5,"query":"example.com","rtt":0.01}`)
	xadd(t, c, "zeek:conn:dead", `{"not":"a log"}`)
	xadd(t, c, "other:conn", connRecord(1))

	cfg := testConfig(t, s, "a")
	cfg.Schemas = nil
	sh := startShipper(t, cfg)
	s.es.WaitTotal(t, "zeek-dns-*", 1, waitTimeout)
	xaddConn(t, c, 0, 10) // a new path, found on the next look
	s.es.WaitTotal(t, "zeek-conn-*", 10, waitTimeout)
	require.NoError(t, sh.stop())
	assert.Equal(t, []string{"conn", "dns"}, sh.Paths())
	assert.Equal(t, uint64(11), sh.Stats().Shipped)

	m, err := s.es.Mapping("zeek-dns-2023.11.14")
	require.NoError(t, err)
	assert.Equal(t, "keyword", m["query"], "from the stored schema, where dynamic mapping would say text")
	assert.Equal(t, "double", m["rtt"])
	assert.Equal(t, "date", m["ts"])
	// conn has no stored schema: the minimal template still maps ts as a
	// date, which dynamic mapping would take for a number.
	m, err = s.es.Mapping("zeek-conn-2023.11.14")
	require.NoError(t, err)
	assert.Equal(t, "date", m["ts"])
}
