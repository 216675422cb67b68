package hotstore

import (
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// A writer given the ID of one that died with a batch in doubt skips that
// batch when it is resent, instead of storing it twice.
func TestWriterIDResendsAfterACrashOnce(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	cfg := testConfig(t, srv, "", "")
	cfg.WriterID = "ingest.test.0"
	recs := connRecords("conn", 0, 3)

	crashed := newTestWriter(t, cfg) // never closed before the resend: as if killed
	flushWrite(t, openStream(t, crashed, "conn"), recs)
	marker := "{zeek:conn}:cloudtap:w:ingest.test.0"
	seq, err := redis.String(c.Do("GET", marker))
	require.NoError(t, err)
	assert.Equal(t, "1", seq)

	again := newTestWriter(t, cfg)
	s := openStream(t, again, "conn")
	flushWrite(t, s, recs)
	st := s.Stats()
	assert.Equal(t, uint64(3), st.Written)
	assert.Equal(t, uint64(1), st.Redelivered, "the batch was skipped as applied")
	assert.Equal(t, asStrings(recs), streamJSON(t, c, "zeek:conn"), "stored once")
}

func TestWriterIDIsChecked(t *testing.T) {
	cfg := DefaultConfig()
	cfg.WriterID = "a b"
	_, err := New(cfg)
	assert.EqualError(t, err, `cloudtap: hotstore: invalid option writer-id="a b": must not contain white space or control characters`)
	cfg.WriterID = "{x}"
	_, err = New(cfg)
	assert.EqualError(t, err, `cloudtap: hotstore: invalid option writer-id="{x}": must not contain braces`)
}

func flushWrite(t *testing.T, s *Stream, recs [][]byte) {
	t.Helper()
	require.NoError(t, s.Write(recs))
	flush(t, s)
}
