package redistest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// threeRecords is a script whose effects Redis logs as one MULTI … EXEC
// block: three XADDs to KEYS[1], then a SET of KEYS[2], like a delivery
// batch and its marker.
const threeRecords = `for i = 1, 3 do redis.call('XADD', KEYS[1], '*', 'n', ARGV[1] .. i) end
redis.call('SET', KEYS[2], ARGV[1])
return 1`

// tearLastTransaction cuts the newest incremental append-only file in the
// middle of its last MULTI … EXEC block, inside the last XADD, as a
// SIGKILL during the write can.
func tearLastTransaction(t *testing.T, s *Server) {
	t.Helper()
	incr, err := filepath.Glob(filepath.Join(s.Dir, "appendonlydir", "*.incr.aof"))
	require.NoError(t, err)
	require.NotEmpty(t, incr, "no incremental append-only file")
	path := incr[len(incr)-1]
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	multi := bytes.LastIndex(b, []byte("MULTI"))
	set := bytes.LastIndex(b, []byte("$3\r\nSET"))
	require.True(t, multi > 0 && set > multi, "the file ends with a MULTI … SET block")
	require.NoError(t, os.WriteFile(path, b[:set-10], 0o600))
}

// TestRestartDropsATornTransactionForGood shows that a transaction torn by
// a crash is dropped whole, and stays dropped at the next restart, where
// Redis 7.0 on its own would bring its first half back (aofrepair.go).
func TestRestartDropsATornTransactionForGood(t *testing.T) {
	s := Start(t, Options{AppendOnly: true})
	eval := func(tag string) {
		_, err := s.Conn(t).Do("EVAL", threeRecords, 2, "s", "m", tag)
		require.NoError(t, err)
	}
	xlen := func() int {
		n, err := redis.Int(s.Conn(t).Do("XLEN", "s"))
		require.NoError(t, err)
		return n
	}
	_, err := s.Conn(t).Do("SET", "before", "kept")
	require.NoError(t, err)
	eval("A")

	require.NoError(t, s.Kill())
	tearLastTransaction(t, s)
	require.NoError(t, s.Restart())
	require.Len(t, s.AOFRepairs(), 1, "the torn file was repaired by redis-check-aof")
	assert.Zero(t, xlen(), "no part of the torn transaction is applied")
	before, err := redis.String(s.Conn(t).Do("GET", "before"))
	require.NoError(t, err)
	assert.Equal(t, "kept", before, "what came before the torn transaction is kept")

	eval("B") // the resend
	require.NoError(t, s.Kill())
	require.NoError(t, s.Restart())
	assert.Len(t, s.AOFRepairs(), 1, "an intact file needs no repair")
	assert.Equal(t, 3, xlen(), "only the resent transaction's three records, none of the torn one")
	marker, err := redis.String(s.Conn(t).Do("GET", "m"))
	require.NoError(t, err)
	assert.Equal(t, "B", marker)
}
