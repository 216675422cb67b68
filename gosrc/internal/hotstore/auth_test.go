package hotstore

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequirePassFromURL(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Password: "s3cret"})
	w := newTestWriter(t, testConfig(t, srv, "", "s3cret"))
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 20)))
	flush(t, s)
	assert.Equal(t, asStrings(connRecords("conn", 0, 20)), streamJSON(t, srv.Conn(t), "zeek:conn"))
}

// The least-privilege ACL user documented in README.md must be enough for
// every feature that runs commands: streams with both retention limits and
// a protected group, lists, and pub/sub.
func TestACLUserFromURLLimitedToItsKeys(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{
		Password: "admin",
		Users: []redistest.User{{
			Name: "zeek", Password: "pw",
			Rules: "~zeek:* ~{zeek:* &zeek:* +@stream +@list +@pubsub +@scripting " +
				"+get +set +del +type +time +ping +select +client|setname",
		}},
	})
	for _, query := range []string{"/1?maxlen=5&maxage=1h&protect-group=cold", "?mode=list&maxlen=5", "?mode=pubsub"} {
		cfg, err := ParseURL(srv.URL("zeek", "pw") + query)
		require.NoError(t, err)
		cfg.OnError = func(err error) { t.Errorf("%s: %v", query, err) }
		w := newTestWriter(t, cfg)
		s := openStream(t, w, "conn"+strconv.Itoa(len(query)))
		require.NoError(t, s.Write(connRecords("conn", 0, 20)))
		flush(t, s)
		assert.Equal(t, uint64(20), s.Stats().Written, query)
	}

	// Keys outside its prefix stay out of reach.
	c, err := redis.Dial("tcp", srv.Addr(), redis.DialUsername("zeek"), redis.DialPassword("pw"))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Do("SET", "other", "1")
	assert.ErrorContains(t, err, "NOPERM")
}

func TestWrongPasswordKeepsRecordsBufferedAndReportsTheError(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Users: []redistest.User{{Name: "zeek", Password: "pw"}}})
	log := &errorLog{}
	cfg := testConfig(t, srv, "zeek", "wrong")
	cfg.OnError = log.record
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 5)))

	// Wait for the writer's first failed attempt, then for a flush that
	// cannot succeed.
	require.Eventually(t, func() bool { return s.Stats().LastError != "" }, flushTimeout, 5*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Flush(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	st := s.Stats()
	assert.Equal(t, int64(5), st.Buffered)
	assert.Zero(t, st.Written)
	assert.Contains(t, st.LastError, "WRONGPASS")
	assert.NotEmpty(t, log.otherErrors())

	// Closing gives up on them loudly: dropped, counted, reported.
	closeCtx, cancelClose := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelClose()
	err = w.Close(closeCtx)
	require.ErrorIs(t, err, ErrUndelivered)
	st = w.Stats()
	assert.Equal(t, uint64(5), st.Dropped)
	assert.Zero(t, st.Buffered)
	assert.Zero(t, st.BufferedBytes)
	assert.Equal(t, 5, log.droppedTotal())
}
