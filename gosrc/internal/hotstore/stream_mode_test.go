package hotstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStreamModeKeepsOrderAndExactContentPerPath(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := newTestWriter(t, testConfig(t, srv, "", ""))
	conn := openStream(t, w, "conn")
	dns := openStream(t, w, "dns")
	assert.Equal(t, "zeek:conn", conn.Key())

	// Uneven batch sizes, interleaved paths, more records than one
	// delivery batch holds.
	want := map[*Stream][][]byte{}
	next := map[*Stream]int{}
	for _, size := range []int{1, 7, 1000, 1, 333, 2048, 5} {
		for _, s := range []*Stream{conn, dns} {
			recs := connRecords(s.Path(), next[s], next[s]+size)
			next[s] += size
			require.NoError(t, s.Write(recs))
			want[s] = append(want[s], recs...)
		}
	}
	flush(t, w)

	c := srv.Conn(t)
	for s, recs := range want {
		assert.Equal(t, asStrings(recs), streamJSON(t, c, s.Key()), "path %s", s.Path())
	}
	st := w.Stats()
	assert.Equal(t, uint64(len(want[conn])+len(want[dns])), st.Written)
	assert.Zero(t, st.Buffered)
	assert.Zero(t, st.BufferedBytes)
	assert.Zero(t, st.Dropped)
}

func TestWriteCopiesRecordsSoCallersCanReuseBuffers(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := newTestWriter(t, testConfig(t, srv, "", ""))
	s := openStream(t, w, "conn")

	buf := []byte(`{"n":1}`)
	require.NoError(t, s.Write([][]byte{buf}))
	copy(buf, `{"n":2}`)
	require.NoError(t, s.Write([][]byte{buf}))
	flush(t, s)

	assert.Equal(t, []string{`{"n":1}`, `{"n":2}`}, streamJSON(t, srv.Conn(t), "zeek:conn"))
}

func TestKeyPrefixAndDatabaseFromURL(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	cfg, err := ParseURL(srv.URL("", "") + "/3?prefix=sensor1:")
	require.NoError(t, err)
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "http")
	require.NoError(t, s.Write(connRecords("http", 0, 3)))
	flush(t, s)

	c := srv.Conn(t)
	_, err = c.Do("SELECT", 3)
	require.NoError(t, err)
	assert.Equal(t, asStrings(connRecords("http", 0, 3)), streamJSON(t, c, "sensor1:http"))
	_, err = c.Do("SELECT", 0)
	require.NoError(t, err)
	n, err := redis.Int(c.Do("EXISTS", "sensor1:http"))
	require.NoError(t, err)
	assert.Zero(t, n, "database 0 must stay empty")
}

func TestOpenRejectsBadAndDuplicatePaths(t *testing.T) {
	w := newTestWriter(t, DefaultConfig()) // never connects: no path is written
	for _, bad := range []string{"", "con n", "a{b}", "tab\there"} {
		_, err := w.Open(bad)
		assert.Error(t, err, "path %q", bad)
	}
	_, err := w.Open("conn")
	require.NoError(t, err)
	_, err = w.Open("conn")
	assert.ErrorContains(t, err, "already open")
}

func TestWriteAfterCloseIsCountedAsDropped(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	log := &errorLog{}
	cfg := testConfig(t, srv, "", "")
	cfg.OnError = log.record
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 5)))
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	require.NoError(t, s.Close(ctx))

	err := s.Write(connRecords("conn", 5, 8))
	require.ErrorIs(t, err, ErrClosed)
	var de *DropError
	require.True(t, errors.As(err, &de))
	assert.Equal(t, 3, de.Dropped)

	st := w.Stats()
	assert.Equal(t, uint64(5), st.Written, "closed streams still count in the writer's totals")
	assert.Equal(t, uint64(3), st.Dropped)
	assert.Equal(t, 3, log.droppedTotal())

	_, err = w.Open("conn")
	assert.NoError(t, err, "a closed path can be opened again")
}

func TestCloseDeletesTheDedupMarker(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := newTestWriter(t, testConfig(t, srv, "", ""))
	s := openStream(t, w, "conn")
	require.NoError(t, s.Write(connRecords("conn", 0, 2)))
	flush(t, s)

	c := srv.Conn(t)
	n, err := redis.Int(c.Do("EXISTS", s.marker))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "marker exists while the stream is open")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, w.Close(ctx))
	n, err = redis.Int(c.Do("EXISTS", s.marker))
	require.NoError(t, err)
	assert.Zero(t, n, "marker is deleted on a clean close")
}
