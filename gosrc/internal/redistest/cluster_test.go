package redistest

import (
	"testing"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClusterFormsAndMovesASlotWithItsKeys(t *testing.T) {
	c := StartCluster(t, 3, Options{})
	require.Len(t, c.Addrs(), 3)

	owner, err := c.Owner("zeek:conn")
	require.NoError(t, err)
	conn := owner.Conn(t)
	_, err = conn.Do("SET", "zeek:conn", "v")
	require.NoError(t, err)
	for _, other := range c.Nodes {
		if other != owner {
			_, err := other.Conn(t).Do("GET", "zeek:conn")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "MOVED", "a node that does not serve the slot redirects")
		}
	}

	slot, err := c.Slot("zeek:conn")
	require.NoError(t, err)
	target := c.Nodes[0]
	if target == owner {
		target = c.Nodes[1]
	}
	require.NoError(t, c.MoveSlot(slot, target))
	moved, err := c.Owner("zeek:conn")
	require.NoError(t, err)
	assert.Same(t, target, moved)
	v, err := redis.String(target.Conn(t).Do("GET", "zeek:conn"))
	require.NoError(t, err)
	assert.Equal(t, "v", v, "the key moved with its slot")
	_, err = owner.Conn(t).Do("GET", "zeek:conn")
	assert.ErrorContains(t, err, "MOVED")
}

func TestClusterNodeRejoinsAfterRestart(t *testing.T) {
	c := StartCluster(t, 3, Options{AppendOnly: true})
	owner, err := c.Owner("zeek:dns")
	require.NoError(t, err)
	_, err = owner.Conn(t).Do("SET", "zeek:dns", "kept")
	require.NoError(t, err)
	require.NoError(t, owner.Kill())
	require.NoError(t, owner.Restart())
	require.NoError(t, c.WaitStable())
	again, err := c.Owner("zeek:dns")
	require.NoError(t, err)
	assert.Same(t, owner, again, "the node keeps its slots across a restart")
	v, err := redis.String(owner.Conn(t).Do("GET", "zeek:dns"))
	require.NoError(t, err)
	assert.Equal(t, "kept", v)
}
