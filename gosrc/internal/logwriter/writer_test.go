package logwriter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

var testSchema = schema("uid", "string", "g", "count", "n", "count")

func TestFourWritersArriveOnceInOrder(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := openTestWriter(t, srv, "")
	l, err := w.OpenLog("conn", testSchema)
	require.NoError(t, err)

	const writers, per, batch = 4, 2500, 50
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < per; n += batch {
				if err := l.Write(records(g, n, n+batch)); err != nil {
					t.Errorf("writer %d: %v", g, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	flushLog(t, l)

	got := streamRecords(t, srv.Conn(t), "zeek:conn")
	require.Len(t, got, writers*per, "every record exactly once")
	next := make([]int, writers)
	for _, r := range got {
		require.Equal(t, next[r.G], r.N, "writer %d out of order", r.G)
		require.Equal(t, fmt.Sprintf("g%d-%d", r.G, r.N), r.UID)
		next[r.G]++
	}
	st := l.Stats()
	assert.Equal(t, uint64(writers*per), st.Written)
	assert.Zero(t, st.Dropped)
	assert.Zero(t, st.Buffered)
	assert.Equal(t, st.Written, w.Stats().Written)
}

func TestSchemaIsStoredForTheColdTier(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := openTestWriter(t, srv, "prefix=z:")
	l, err := w.OpenLog("dns", schema("ts", "time", "answers", "vector[string]"))
	require.NoError(t, err)
	flushLog(t, l)
	body, err := redis.String(srv.Conn(t).Do("GET", rediskey.Schema("z:", "dns")))
	require.NoError(t, err)
	assert.Equal(t, `[{"name":"ts","type":"time"},{"name":"answers","type":"vector[string]"}]`, body)
	assert.Equal(t, "{z:dns}:schema", rediskey.Schema("z:", "dns"))
}

func TestListMode(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := openTestWriter(t, srv, "mode=list maxlen=300")
	l, err := w.OpenLog("http", testSchema)
	require.NoError(t, err)
	want := records(0, 0, 500)
	require.NoError(t, l.Write(want))
	flushLog(t, l)
	// Retention runs apart from delivery, just after it.
	var got [][]byte
	deadline := time.Now().Add(hangGuard)
	for {
		var err error
		got, err = redis.ByteSlices(srv.Conn(t).Do("LRANGE", "zeek:http", 0, -1))
		require.NoError(t, err)
		if len(got) <= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	assert.Equal(t, want[200:], got, "the newest 300, exactly, in order")
}

func TestPubSubMode(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	sub := redis.PubSubConn{Conn: srv.Conn(t)}
	require.NoError(t, sub.Subscribe("zeek:ssl"))
	_, ok := sub.Receive().(redis.Subscription)
	require.True(t, ok)

	w := openTestWriter(t, srv, "mode=pubsub")
	l, err := w.OpenLog("ssl", testSchema)
	require.NoError(t, err)
	want := records(1, 0, 200)
	require.NoError(t, l.Write(want))
	flushLog(t, l)
	for i := range want {
		switch m := sub.ReceiveWithTimeout(hangGuard).(type) {
		case redis.Message:
			require.Equal(t, string(want[i]), string(m.Data), "message %d", i)
		case error:
			require.NoError(t, m, "after %d messages", i)
		}
	}
	n, err := redis.Int(srv.Conn(t).Do("EXISTS", "zeek:ssl", "{zeek:ssl}:schema"))
	require.NoError(t, err)
	assert.Zero(t, n, "pub/sub stores neither records nor schema")
}

func TestRedisDownAtOpenBuffersThenDelivers(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())
	w := openTestWriter(t, srv, "")
	l, err := w.OpenLog("conn", testSchema)
	require.NoError(t, err, "an unreachable Redis is not an error")
	require.NoError(t, l.Write(records(0, 0, 100)))
	assert.Equal(t, int64(100), l.Stats().Buffered)

	require.NoError(t, srv.Restart())
	flushLog(t, l)
	got := streamRecords(t, srv.Conn(t), "zeek:conn")
	require.Len(t, got, 100)
	for i, r := range got {
		require.Equal(t, i, r.N)
	}
	st := l.Stats()
	assert.Equal(t, uint64(100), st.Written)
	assert.Zero(t, st.Dropped)
	ok, err := redis.Bool(srv.Conn(t).Do("EXISTS", "{zeek:conn}:schema"))
	require.NoError(t, err)
	assert.True(t, ok, "the schema is stored once Redis is back")
}

func TestDropsAreCountedAndNamed(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())
	w := openTestWriter(t, srv, "buffer-max-records=10 block-timeout=0s close-timeout=300ms")
	l, err := w.OpenLog("conn", testSchema)
	require.NoError(t, err)

	err = l.Write(records(0, 0, 15))
	var drop *hotstore.DropError
	require.ErrorAs(t, err, &drop)
	assert.Equal(t, 5, drop.Dropped)
	assert.Contains(t, err.Error(), `cloudtap: log conn: hotstore: DROPPED 5 records of log path "conn": buffer full`)
	assert.Equal(t, uint64(5), l.Stats().Dropped)
	assert.Equal(t, int64(10), l.Stats().Buffered)

	// Close gives up on the 10 buffered records when its timeout passes,
	// and says so, with no context deadline from the caller.
	err = w.Close(context.Background())
	require.ErrorAs(t, err, &drop)
	assert.Contains(t, err.Error(), `DROPPED 10 records of log path "conn": not delivered before close`)
	assert.Contains(t, err.Error(), "schema not stored at {zeek:conn}:schema")
	assert.NotContains(t, err.Error(), "\n", "one line")
	st := w.Stats()
	assert.Equal(t, uint64(15), st.Dropped)
	assert.Zero(t, st.Written)
	assert.Zero(t, st.Buffered)
}

func TestOpenLogRefusesBadInput(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := openTestWriter(t, srv, "")
	_, err := w.OpenLog("conn", schema("a", "number"))
	assert.EqualError(t, err, `cloudtap: log conn: field "a": "number" is not a Zeek type`)
	_, err = w.OpenLog("", testSchema)
	assert.EqualError(t, err, `cloudtap: log : hotstore: open: empty log path`)
	_, err = w.OpenLog("conn", testSchema)
	require.NoError(t, err)
	_, err = w.OpenLog("conn", testSchema)
	assert.EqualError(t, err, `cloudtap: log conn: hotstore: open "conn": log path is already open`)
}

func TestSeveralWritersOneRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	a := openTestWriter(t, srv, "prefix=a:")
	b := openTestWriter(t, srv, "prefix=b:")
	la, err := a.OpenLog("conn", nil)
	require.NoError(t, err)
	lb, err := b.OpenLog("conn", nil)
	require.NoError(t, err)
	require.NoError(t, la.Write(records(0, 0, 3)))
	require.NoError(t, lb.Write(records(1, 0, 4)))
	flushLog(t, la)
	flushLog(t, lb)
	c := srv.Conn(t)
	assert.Len(t, streamRecords(t, c, "a:conn"), 3)
	assert.Len(t, streamRecords(t, c, "b:conn"), 4)
	n, err := redis.Int(c.Do("EXISTS", "{a:conn}:schema", "{b:conn}:schema"))
	require.NoError(t, err)
	assert.Zero(t, n, "no schema given, none stored")
}

func TestColdTierGroupIsProtected(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := openTestWriter(t, srv, "elasticsearch=http://127.0.0.1:9 ship=external maxlen=10")
	l, err := w.OpenLog("conn", testSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(records(0, 0, 500)))
	flushLog(t, l)
	c := srv.Conn(t)
	n, err := redis.Int(c.Do("XLEN", "zeek:conn"))
	require.NoError(t, err)
	assert.Equal(t, 500, n, "nothing trimmed: the cold tier has read nothing yet")
	groups, err := redis.Values(c.Do("XINFO", "GROUPS", "zeek:conn"))
	require.NoError(t, err)
	require.Len(t, groups, 1)
	info, err := redis.Values(groups[0], nil)
	require.NoError(t, err)
	require.Equal(t, "name", string(info[0].([]byte)))
	assert.Equal(t, rediskey.DefaultGroup, string(info[1].([]byte)))
}

func TestWriteAfterCloseIsADrop(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := openTestWriter(t, srv, "")
	l, err := w.OpenLog("conn", testSchema)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	require.NoError(t, l.Close(ctx))
	err = l.Write(records(0, 0, 2))
	assert.True(t, errors.Is(err, hotstore.ErrClosed), "%v", err)
	assert.Equal(t, uint64(2), l.Stats().Dropped)
}
