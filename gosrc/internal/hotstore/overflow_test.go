package hotstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeCollectingDrops writes recs in batches and returns the total of the
// drops Write reported.
func writeCollectingDrops(t *testing.T, s *Stream, recs [][]byte, batchSize int) int {
	t.Helper()
	dropped := 0
	for i := 0; i < len(recs); i += batchSize {
		err := s.Write(recs[i:min(i+batchSize, len(recs))])
		if err == nil {
			continue
		}
		var de *DropError
		require.True(t, errors.As(err, &de), "unexpected error %v", err)
		require.ErrorIs(t, err, ErrBufferFull)
		dropped += de.Dropped
	}
	return dropped
}

// With Redis down and a buffer of 100 records, 250 written records must
// give exactly 150 drops, counted in Stats, returned by Write and reported
// to OnError, and the 100 kept must be the first 100, delivered once Redis
// is back.
func TestBufferOverflowDropsAreCountedExactly(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())

	log := &errorLog{}
	cfg := testConfig(t, srv, "", "")
	cfg.OnError = log.record
	cfg.BufferMaxRecords = 100
	cfg.BlockTimeout = 0
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")

	all := connRecords("conn", 0, 250)
	returned := writeCollectingDrops(t, s, all, 30) // 30 does not divide 100: one batch is split
	st := s.Stats()
	assert.Equal(t, 150, returned)
	assert.Equal(t, uint64(150), st.Dropped)
	assert.Equal(t, 150, log.droppedTotal())
	assert.Equal(t, int64(100), st.Buffered)
	assert.Equal(t, totalBytes(all[:100]), st.BufferedBytes)
	assert.Zero(t, st.Written)
	assert.Contains(t, st.LastError, "buffer full")

	require.NoError(t, srv.Restart())
	flush(t, s)
	assert.Equal(t, asStrings(all[:100]), streamJSON(t, srv.Conn(t), "zeek:conn"))
	st = s.Stats()
	assert.Equal(t, uint64(100), st.Written)
	assert.Equal(t, uint64(150), st.Dropped, "delivery drops nothing more")
	assert.Zero(t, st.Buffered)
}

// sizedRecords returns n distinct JSON records of exactly size bytes.
func sizedRecords(path string, n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		head := fmt.Sprintf(`{"_path":%q,"seq":%d,"pad":"`, path, i)
		out[i] = []byte(head + strings.Repeat("x", size-len(head)-2) + `"}`)
	}
	return out
}

// The byte bound is shared by all paths of a writer, and a record larger
// than the whole bound is dropped rather than wedging the buffer.
func TestBufferByteBoundIsSharedAcrossPaths(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())

	const recSize = 100
	cfg := testConfig(t, srv, "", "")
	cfg.BlockTimeout = 0
	cfg.BufferMaxBytes = 10*recSize + recSize/2 // room for 10 records
	w := newTestWriter(t, cfg)
	conn := openStream(t, w, "conn")
	dns := openStream(t, w, "dns")

	connRecs, dnsRecs := sizedRecords("conn", 6, recSize), sizedRecords("dns", 6, recSize)
	dropped := writeCollectingDrops(t, conn, connRecs, 6)
	dropped += writeCollectingDrops(t, dns, dnsRecs, 6)
	assert.Equal(t, 2, dropped, "6 + 4 fit, the last 2 dns records do not")
	huge := make([]byte, cfg.BufferMaxBytes+1)
	dropped += writeCollectingDrops(t, dns, [][]byte{huge}, 1)
	assert.Equal(t, 3, dropped)

	st := w.Stats()
	assert.Equal(t, uint64(3), st.Dropped)
	assert.Equal(t, int64(10), st.Buffered)
	assert.Equal(t, int64(10*recSize), st.BufferedBytes)

	require.NoError(t, srv.Restart())
	flush(t, w)
	c := srv.Conn(t)
	assert.Equal(t, asStrings(connRecs), streamJSON(t, c, "zeek:conn"))
	assert.Equal(t, asStrings(dnsRecs[:4]), streamJSON(t, c, "zeek:dns"))
}

// With a block timeout, a full buffer makes Write wait for room instead of
// dropping, as long as Redis frees room within the timeout.
func TestFullBufferBlocksWriteUntilRedisFreesRoom(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	require.NoError(t, srv.Stop())

	cfg := testConfig(t, srv, "", "")
	cfg.BufferMaxRecords = 100
	cfg.BlockTimeout = flushTimeout // long enough that only a hang could exhaust it
	w := newTestWriter(t, cfg)
	s := openStream(t, w, "conn")

	all := connRecords("conn", 0, 250)
	require.NoError(t, s.Write(all[:100]))
	restarted := make(chan error, 1)
	go func() { restarted <- srv.Restart() }()
	require.NoError(t, s.Write(all[100:]), "waits for room, then keeps everything")
	require.NoError(t, <-restarted)
	flush(t, s)

	assert.Equal(t, asStrings(all), streamJSON(t, srv.Conn(t), "zeek:conn"))
	assert.Zero(t, s.Stats().Dropped)
}
