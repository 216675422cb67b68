package logwriter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/reports"

	"github.com/cloudtap/cloudtap/gosrc/internal/blackhole"
	"github.com/cloudtap/cloudtap/gosrc/internal/childproc"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

func TestMessageQueueFoldsRepeatsSkipsDropsAndCountsOverflow(t *testing.T) {
	q := newMessageQueue()
	now := time.Unix(1000, 0)
	q.SetClock(func() time.Time { return now })

	refused := errors.New("connect to redis at 127.0.0.1:1: connection refused")
	q.add(refused)
	q.add(refused) // moments later: folded into the next summary
	q.add(&hotstore.DropError{Path: "conn", Dropped: 5, Err: hotstore.ErrBufferFull})
	q.add(fmt.Errorf("wrapped: %w", &hotstore.DropError{Path: "dns", Dropped: 1, Err: hotstore.ErrClosed}))
	q.add(errors.Join(errors.New("first"), errors.New("second")))

	msg, ok := q.next()
	require.True(t, ok)
	assert.Equal(t, refused.Error(), msg)
	msg, ok = q.next()
	require.True(t, ok)
	assert.Equal(t, "first; second", msg, "one line per message")
	_, ok = q.next()
	assert.False(t, ok, "drops are the caller's to report, and repeats are held back")

	for i := range reports.MaxQueued + 7 {
		q.add(fmt.Errorf("message %d", i))
	}
	for i := range reports.MaxQueued {
		msg, ok = q.next()
		require.True(t, ok)
		require.Equal(t, fmt.Sprintf("message %d", i), msg, "oldest first")
	}
	msg, ok = q.next()
	require.True(t, ok)
	assert.Contains(t, msg, "7 more messages were not kept")
	_, ok = q.next()
	assert.False(t, ok)
}

// waitMessage takes messages until one contains want.
func waitMessage(t *testing.T, w *Writer, want string) string {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(hangGuard)
	for time.Now().Before(deadline) {
		if msg, ok := w.NextMessage(); ok {
			if strings.Contains(msg, want) {
				return msg
			}
			seen = append(seen, msg)
			continue
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.FailNow(t, "no message says "+want, "messages taken: %q", seen)
	return ""
}

// openQueuedWriter opens a writer of config whose reports wait for
// NextMessage, and closes it when the test ends.
func openQueuedWriter(t *testing.T, config string) *Writer {
	t.Helper()
	cfg, err := ParseConfig(config)
	require.NoError(t, err)
	cfg.QueueMessages = true
	w, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	return w
}

func TestQueuedMessagesTellOfRedisDownAndRecordsStillArrive(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())
	w := openQueuedWriter(t, srv.URL("", "")+"/0 backoff-min=5ms backoff-max=50ms")

	l, err := w.OpenLog("conn", testSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(records(0, 0, 10)))
	msg := waitMessage(t, w, "connection refused")
	assert.True(t, strings.HasPrefix(msg, "cloudtap: Redis: "), msg)
	assert.Contains(t, msg, srv.Addr(), "the message names the server")
	assert.Contains(t, msg, "retrying")

	require.NoError(t, srv.Restart())
	flushLog(t, l)
	assert.Len(t, streamRecords(t, srv.Conn(t), "zeek:conn"), 10)
}

func TestQueuedMessagesTellOfElasticsearchDown(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	esPort, err := childproc.FreeLoopbackPort() // nothing listens there
	require.NoError(t, err)
	w := openQueuedWriter(t, fmt.Sprintf("%s/0 elasticsearch=http://127.0.0.1:%d es-backoff-min=5ms es-backoff-max=50ms es-close-timeout=100ms",
		srv.URL("", ""), esPort))

	l, err := w.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(connLike(0, 10)))
	flushLog(t, l)
	msg := waitMessage(t, w, fmt.Sprintf("127.0.0.1:%d", esPort))
	assert.True(t, strings.HasPrefix(msg, "cloudtap: Elasticsearch shipper: "), msg)
}

func TestWithoutQueueMessagesNothingWaits(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())
	cfg, err := ParseConfig(srv.URL("", "") + "/0 backoff-min=5ms backoff-max=50ms close-timeout=100ms")
	require.NoError(t, err)
	var reported atomic.Int64
	cfg.Redis.OnError = func(error) { reported.Add(1) }
	w, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close(context.Background()) })

	l, err := w.OpenLog("conn", testSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(records(0, 0, 10)))
	require.Eventually(t, func() bool { return reported.Load() > 0 }, hangGuard, 10*time.Millisecond,
		"the refused connection is reported")
	_, ok := w.NextMessage()
	assert.False(t, ok, "reports go to OnError or stderr, not to a queue nobody reads")
}

// An engine that accepts connections and never answers is told of while
// it happens (reporter.log, under Zeek), not only when the writer closes.
func TestQueuedMessagesTellOfElasticsearchThatNeverAnswers(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	hole := blackhole.Start(t)
	w := openQueuedWriter(t, fmt.Sprintf("%s/0 elasticsearch=http://%s es-request-timeout=2s es-close-timeout=100ms",
		srv.URL("", ""), hole.Addr()))

	l, err := w.OpenLog("conn", connLikeSchema)
	require.NoError(t, err)
	require.NoError(t, l.Write(connLike(0, 10)))
	flushLog(t, l)
	msg := waitMessage(t, w, "no answer after 1s")
	assert.Contains(t, msg, hole.Addr())
	assert.True(t, strings.HasPrefix(msg, "cloudtap: Elasticsearch shipper: "), msg)
	assert.Len(t, streamRecords(t, srv.Conn(t), "zeek:conn"), 10, "the records wait in Redis")
}
