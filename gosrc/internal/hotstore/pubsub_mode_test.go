package hotstore

import (
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPubSubModeDeliversToASubscriberInOrder(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	sub := redis.PubSubConn{Conn: srv.Conn(t)}
	require.NoError(t, sub.Subscribe("zeek:ssl"))
	confirmed, ok := sub.Receive().(redis.Subscription)
	require.True(t, ok, "first message must confirm the subscription")
	require.Equal(t, "zeek:ssl", confirmed.Channel)

	cfg := testConfig(t, srv, "", "")
	cfg.Mode = ModePubSub
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "ssl")
	want := connRecords("ssl", 0, 1200)
	require.NoError(t, s.Write(want[:5]))
	require.NoError(t, s.Write(want[5:]))
	flush(t, s)

	got := make([]string, 0, len(want))
	for len(got) < len(want) {
		switch m := sub.ReceiveWithTimeout(30 * time.Second).(type) {
		case redis.Message:
			require.Equal(t, "zeek:ssl", m.Channel)
			got = append(got, string(m.Data))
		case error:
			require.NoError(t, m, "after %d of %d messages", len(got), len(want))
		}
	}
	assert.Equal(t, asStrings(want), got)

	n, err := redis.Int(srv.Conn(t).Do("EXISTS", "zeek:ssl"))
	require.NoError(t, err)
	assert.Zero(t, n, "pubsub mode stores nothing")
}
