package logwriter

import (
	"context"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/blackhole"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// The close has one bound: the caller's deadline, or close-timeout for
// Redis plus es-close-timeout for the cold tier. A server that accepts
// connections and never answers (a wedged process, a firewall dropping
// replies) must not stretch it to its I/O timeout (10 s) or the shipper's
// drain timeout (30 s). These are upper bounds with room for a loaded
// machine, far below what the old close took, not speed targets.
const closeSlack = 3 * time.Second

func TestCloseBoundWithRedisBlackHoled(t *testing.T) {
	hole := blackhole.Start(t)
	cfg, err := ParseConfig("redis://" + hole.Addr() + "/0 close-timeout=500ms")
	require.NoError(t, err)
	w, err := New(cfg)
	require.NoError(t, err)
	l, err := w.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(connLike(0, 10)))

	start := time.Now()
	closeErr := l.Close(context.Background())
	err = w.Close(context.Background())
	took := time.Since(start)
	assert.Less(t, took, 500*time.Millisecond+closeSlack, "the close waited %v, not close-timeout=500ms (io-timeout is 10s)", took)
	require.Error(t, closeErr)
	assert.Contains(t, closeErr.Error(), `DROPPED 10 records of log path "conn"`)
	assert.Equal(t, uint64(10), w.Stats().Dropped, "every record not delivered is counted")
	_ = err
	assert.GreaterOrEqual(t, hole.Accepted(), 1, "the writer did reach the black hole")
}

func TestCloseBoundIsTheCallersDeadline(t *testing.T) {
	hole := blackhole.Start(t)
	cfg, err := ParseConfig("redis://" + hole.Addr() + "/0 close-timeout=30s")
	require.NoError(t, err)
	w, err := New(cfg)
	require.NoError(t, err)
	l, err := w.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(connLike(0, 5)))

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = w.Close(ctx)
	took := time.Since(start)
	assert.Less(t, took, 300*time.Millisecond+closeSlack, "the close waited %v past the caller's 300ms deadline (close-timeout is 30s)", took)
	assert.Equal(t, uint64(5), w.Stats().Dropped)
}

func TestCloseBoundWithTheColdTierBlackHoled(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	hole := blackhole.Start(t)
	// request-timeout 60s and drain-timeout 30s by default: neither may
	// show in the close.
	w := openTestWriter(t, srv, "close-timeout=1s es-close-timeout=1s elasticsearch=http://"+hole.Addr()+" es-flush-interval=50ms")
	l, err := w.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(connLike(0, 100)))
	deadline := time.Now().Add(hangGuard)
	for hole.Accepted() == 0 {
		require.True(t, time.Now().Before(deadline), "the shipper never reached the black hole")
		time.Sleep(10 * time.Millisecond)
	}

	start := time.Now()
	require.NoError(t, l.Close(context.Background()), "Redis took every record")
	closeErr := w.Close(context.Background())
	took := time.Since(start)
	assert.Less(t, took, 2*time.Second+closeSlack, "the close waited %v, not close-timeout + es-close-timeout = 2s (drain-timeout is 30s)", took)
	require.Error(t, closeErr, "what was not shipped is said")
	c := srv.Conn(t)
	n, err := redis.Int(c.Do("XLEN", "zeek:conn"))
	require.NoError(t, err)
	assert.Equal(t, 100, n, "every record is in Redis")
	assert.Equal(t, 100, groupLag(t, c, "zeek:conn"), "and waits for the cold tier's group, none acknowledged")
}
