package coldstore

import (
	"fmt"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// One bulk holds a record the mapping refuses (orig_bytes, a count, set to
// text), and two the shipper refuses itself (not JSON; an unreadable ts).
// Those three go to zeek:conn:dead with their error and the record as it
// was; the other 297 are indexed; all 300 are acknowledged.
func TestRefusedRecordsGoToTheDeadLetterStreamAndTheRestIsIndexed(t *testing.T) {
	s := startServers(t)
	c := s.redis.Conn(t)
	bad := map[int]string{
		37:  `{"ts":1700006337.0,"uid":"Cbad","orig_bytes":"lots","seq":37}`,
		150: `{"ts":1700006450.0,"uid":"Cbroken","seq":150`,
		299: `{"ts":"last tuesday","uid":"Cwhen","seq":299}`,
	}
	var recs []string
	for i := 0; i < 300; i++ {
		if r, ok := bad[i]; ok {
			recs = append(recs, r)
			continue
		}
		recs = append(recs, connRecord(i))
	}
	xadd(t, c, "zeek:conn", recs...)
	// The mapping must exist before the bad record arrives for the server
	// to refuse it: the template does that, and record 0 comes first.
	sh := startShipper(t, testConfig(t, s, "a", "conn"))
	s.es.WaitTotal(t, "zeek-conn-*", 297, waitTimeout)
	eventually(t, "every entry settled", func() bool { return pending(t, c, "zeek:conn", rediskey.DefaultGroup) == 0 })
	require.NoError(t, sh.stop())
	st := sh.Stats()
	assert.Equal(t, uint64(297), st.Shipped)
	assert.Equal(t, uint64(3), st.DeadLettered)

	dead := deadLetters(t, c, "{zeek:conn}:dead")
	require.Len(t, dead, 3)
	byRecord := map[string]map[string]string{}
	for _, d := range dead {
		byRecord[d["json"]] = d
	}
	mapped := byRecord[bad[37]]
	require.NotNil(t, mapped, "the mapping conflict is dead-lettered with the record as it was")
	assert.Contains(t, mapped["error"], "orig_bytes")
	assert.Equal(t, "zeek-conn-2023.11.14", mapped["index"])
	assert.NotEmpty(t, mapped["entry"])
	assert.Contains(t, byRecord[bad[150]]["error"], "not valid JSON")
	assert.Contains(t, byRecord[bad[299]]["error"], "field ts")
	assert.Equal(t, "0", byRecord[bad[299]]["status"], "refused before sending")

	r, err := s.es.Search("zeek-conn-*", map[string]any{"term": map[string]any{"uid": "Cbad"}}, 1)
	require.NoError(t, err)
	assert.Zero(t, r.Total)
	distinct, docs := uniqueSeqs(t, s.es, "zeek-conn-*", 400)
	assert.Equal(t, 297, distinct)
	assert.Equal(t, 297, docs)
}

// deadLetters reads a dead-letter stream's entries as field maps.
func deadLetters(t *testing.T, c redis.Conn, key string) []map[string]string {
	t.Helper()
	entries, err := redis.Values(c.Do("XRANGE", key, "-", "+"))
	require.NoError(t, err)
	var out []map[string]string
	for _, e := range entries {
		parts, err := redis.Values(e, nil)
		require.NoError(t, err)
		fields, err := redis.StringMap(parts[1], nil)
		require.NoError(t, err, fmt.Sprint(parts[1]))
		out = append(out, fields)
	}
	return out
}
