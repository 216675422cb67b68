package communityid

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func id(t *testing.T, src, dst string, proto uint8, sp, dp uint16) string {
	t.Helper()
	got, err := ID(0, netip.MustParseAddr(src), netip.MustParseAddr(dst), proto, sp, dp)
	require.NoError(t, err)
	return got
}

// The vector of Zeek's own documentation of community_id_v1, and the
// spec's baseline for the same flow.
func TestKnownFlow(t *testing.T) {
	assert.Equal(t, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", id(t, "128.232.110.120", "66.35.250.204", ProtoTCP, 34855, 80))
}

func TestBothDirectionsHashAlike(t *testing.T) {
	for _, c := range []struct {
		a, b   string
		proto  uint8
		pa, pb uint16
	}{
		{"10.0.0.1", "10.0.0.2", ProtoTCP, 51000, 443},
		{"10.0.0.9", "10.0.0.2", ProtoUDP, 53, 5353},
		{"2001:db8::1", "2001:db8::2", ProtoTCP, 22, 40000},
		{"10.0.0.1", "10.0.0.1", ProtoUDP, 9, 7},
	} {
		assert.Equal(t, id(t, c.a, c.b, c.proto, c.pa, c.pb), id(t, c.b, c.a, c.proto, c.pb, c.pa), "%v", c)
	}
	// An echo request and its reply are one flow (type 8 one way, 0 back).
	assert.Equal(t, id(t, "10.0.0.1", "10.0.0.2", ProtoICMP, 8, 0), id(t, "10.0.0.2", "10.0.0.1", ProtoICMP, 0, 0))
	assert.Equal(t, id(t, "2001:db8::1", "2001:db8::2", ProtoICMPv6, 128, 0), id(t, "2001:db8::2", "2001:db8::1", ProtoICMPv6, 129, 0))
	// A one-way message (destination unreachable) keeps its direction.
	assert.NotEqual(t, id(t, "10.0.0.1", "10.0.0.2", ProtoICMP, 3, 1), id(t, "10.0.0.2", "10.0.0.1", ProtoICMP, 3, 1))
}

func TestSeedAndTransportChangeTheID(t *testing.T) {
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	s0, _ := ID(0, a, b, ProtoTCP, 1, 2)
	s1, _ := ID(1, a, b, ProtoTCP, 1, 2)
	u0, _ := ID(0, a, b, ProtoUDP, 1, 2)
	assert.NotEqual(t, s0, s1)
	assert.NotEqual(t, s0, u0)
}

func TestRefusesMixedOrMissingAddresses(t *testing.T) {
	_, err := ID(0, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::1"), ProtoTCP, 1, 2)
	assert.Error(t, err)
	_, err = ID(0, netip.Addr{}, netip.MustParseAddr("10.0.0.1"), ProtoTCP, 1, 2)
	assert.Error(t, err)
}
