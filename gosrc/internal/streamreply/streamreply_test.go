package streamreply

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// Replies from a real Redis: XRANGE, XREAD for one key (empty, timed out),
// and an XREADGROUP of a pending entry whose data was deleted.
func TestRepliesOfARealRedis(t *testing.T) {
	c := redistest.Start(t, redistest.Options{}).Conn(t)
	_, err := c.Do("XADD", "s", "1-1", "json", `{"n":1}`, "json", `{"n":2}`)
	require.NoError(t, err)
	_, err = c.Do("XADD", "s", "2-1", "op", "add", "value", "v")
	require.NoError(t, err)

	reply, err := c.Do("XRANGE", "s", "-", "+")
	require.NoError(t, err)
	es, err := Entries(reply)
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.Equal(t, "1-1", es[0].ID)
	js, ok := es[0].Field("json")
	assert.True(t, ok)
	assert.Equal(t, `{"n":2}`, string(js), "a later repeat wins")
	assert.Equal(t, map[string]string{"op": "add", "value": "v"}, es[1].Map())

	reply, err = c.Do("XREAD", "COUNT", 10, "STREAMS", "s", "1-1")
	require.NoError(t, err)
	es, err = OneStream(reply)
	require.NoError(t, err)
	require.Len(t, es, 1)
	assert.Equal(t, "2-1", es[0].ID)

	reply, err = c.Do("XREAD", "BLOCK", 10, "STREAMS", "s", "$")
	require.NoError(t, err)
	es, err = OneStream(reply)
	require.NoError(t, err)
	assert.Empty(t, es, "a BLOCK that timed out")

	_, err = c.Do("XGROUP", "CREATE", "s", "g", "0")
	require.NoError(t, err)
	_, err = c.Do("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
	require.NoError(t, err)
	_, err = c.Do("XDEL", "s", "1-1")
	require.NoError(t, err)
	reply, err = c.Do("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0")
	require.NoError(t, err)
	es, err = OneStream(reply)
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.True(t, es[0].Gone, "the pending entry whose data was deleted")
	assert.False(t, es[1].Gone)
}
