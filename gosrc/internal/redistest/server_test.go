package redistest

import (
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlainServerAnswers(t *testing.T) {
	s := Start(t, Options{})
	c := s.Conn(t)
	_, err := c.Do("SET", "k", "v")
	require.NoError(t, err)
	v, err := redis.String(c.Do("GET", "k"))
	require.NoError(t, err)
	assert.Equal(t, "v", v)
	assert.Equal(t, "redis://"+s.Addr(), s.URL("", ""))
}

func TestRequirePassRefusesAnonymousClients(t *testing.T) {
	s := Start(t, Options{Password: "s3cret"})
	anon, err := redis.Dial("tcp", s.Addr())
	require.NoError(t, err)
	defer anon.Close()
	_, err = anon.Do("PING")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NOAUTH")

	_, err = s.Conn(t).Do("PING")
	assert.NoError(t, err, "Dial must authenticate with the requirepass password")
}

func TestACLUserCanLogInAndIsLimitedByRules(t *testing.T) {
	s := Start(t, Options{Users: []User{{Name: "zeek", Password: "pw", Rules: "~zeek:* +@all"}}})
	c, err := redis.Dial("tcp", s.Addr(), redis.DialUsername("zeek"), redis.DialPassword("pw"))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Do("SET", "zeek:x", "1")
	require.NoError(t, err)
	_, err = c.Do("SET", "other", "1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NOPERM")
}

func TestTLSServerTrustsOnlyItsCA(t *testing.T) {
	s := Start(t, Options{TLS: true})
	assert.Equal(t, "rediss://"+s.Addr(), s.URL("", ""))
	_, err := s.Conn(t).Do("PING")
	require.NoError(t, err)

	// Without the CA the certificate must not verify.
	c, err := redis.Dial("tcp", s.Addr(), redis.DialUseTLS(true))
	if err == nil {
		_, err = c.Do("PING")
		c.Close()
	}
	assert.Error(t, err)
}

func TestKillAndRestartKeepAppendOnlyDataOnSamePort(t *testing.T) {
	s := Start(t, Options{AppendOnly: true})
	port := s.Port
	c, err := s.Dial()
	require.NoError(t, err)
	_, err = c.Do("RPUSH", "l", "a", "b")
	require.NoError(t, err)
	c.Close()

	require.NoError(t, s.Kill())
	assert.False(t, s.Running())
	_, err = s.Dial()
	assert.Error(t, err, "a killed server must not answer")

	require.NoError(t, s.Restart())
	assert.Equal(t, port, s.Port)
	got, err := redis.Strings(s.Conn(t).Do("LRANGE", "l", 0, -1))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, got)
}

func TestStopThenRestartWithoutPersistenceStartsEmpty(t *testing.T) {
	s := Start(t, Options{})
	c, err := s.Dial()
	require.NoError(t, err)
	_, err = c.Do("SET", "k", "v")
	require.NoError(t, err)
	c.Close()

	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "stopping twice is harmless")
	require.NoError(t, s.Restart())
	require.Error(t, s.Restart(), "restarting a running server is refused")
	n, err := redis.Int(s.Conn(t).Do("EXISTS", "k"))
	require.NoError(t, err)
	assert.Equal(t, 0, n)
}
