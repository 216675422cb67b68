package hotstore

import (
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lrange returns the whole list at key.
func lrange(t *testing.T, c redis.Conn, key string) []string {
	t.Helper()
	got, err := redis.Strings(c.Do("LRANGE", key, 0, -1))
	require.NoError(t, err)
	return got
}

func TestListModePushesRawLinesInOrder(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	cfg := testConfig(t, srv, "", "")
	cfg.Mode = ModeList
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "dns")

	// More than the script's RPUSH chunk of 1000 in one batch.
	var want [][]byte
	for _, size := range []int{3, 1500, 1} {
		recs := connRecords("dns", len(want), len(want)+size)
		require.NoError(t, s.Write(recs))
		want = append(want, recs...)
	}
	flush(t, s)

	assert.Equal(t, asStrings(want), lrange(t, srv.Conn(t), "zeek:dns"))
	assert.Equal(t, uint64(len(want)), w.Stats().Written)
}

func TestListModeMaxLenKeepsExactlyTheNewest(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	cfg, err := ParseURL(srv.URL("", "") + "?mode=list&maxlen=100&retention-interval=0")
	require.NoError(t, err)
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")

	all := connRecords("conn", 0, 250)
	for i := 0; i < len(all); i += 30 {
		require.NoError(t, s.Write(all[i:min(i+30, len(all))]))
	}
	flush(t, s)
	waitRetention(t, s)

	assert.Equal(t, asStrings(all[150:]), lrange(t, srv.Conn(t), "zeek:conn"))
}

func TestListModeRefusesAKeyOfAnotherTypeWithoutWritingHalfABatch(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	_, err := c.Do("SET", "zeek:conn", "not a list")
	require.NoError(t, err)

	log := &errorLog{}
	cfg := testConfig(t, srv, "", "")
	cfg.Mode = ModeList
	cfg.OnError = log.record
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 10)))

	require.Eventually(t, func() bool { return s.Stats().LastError != "" }, flushTimeout, 5*time.Millisecond)
	assert.Contains(t, s.Stats().LastError, "WRONGTYPE")
	assert.Equal(t, int64(10), s.Stats().Buffered, "records stay buffered, not lost")
	v, err := redis.String(c.Do("GET", "zeek:conn"))
	require.NoError(t, err)
	assert.Equal(t, "not a list", v)

	// Once the operator removes the wrong key, the records arrive.
	_, err = c.Do("DEL", "zeek:conn")
	require.NoError(t, err)
	flush(t, s)
	assert.Equal(t, asStrings(connRecords("conn", 0, 10)), lrange(t, c, "zeek:conn"))
	assert.NotEmpty(t, log.otherErrors())
}
