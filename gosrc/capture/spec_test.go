package capture

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSpec(t *testing.T) {
	ls, err := ParseSpec("cloudtap::vxlan://0.0.0.0:4790?allow=10.0.0.0/8,192.168.1.7&vni=42&vni=0x10+geneve://[::1]+gre://?workers=4&worker=3")
	require.NoError(t, err)
	require.Len(t, ls, 3)
	assert.Equal(t, KindVXLAN, ls[0].Kind)
	assert.Equal(t, netip.MustParseAddrPort("0.0.0.0:4790"), ls[0].Addr)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}, ls[0].Filter.Allow)
	assert.ElementsMatch(t, []uint32{42, 16}, ls[0].Filter.Sessions)
	assert.Equal(t, netip.MustParseAddrPort("[::1]:6081"), ls[1].Addr)
	assert.Equal(t, KindGRE, ls[2].Kind)
	assert.True(t, ls[2].AnyAddr)
	assert.Equal(t, Filter{Workers: 4, Worker: 3}, ls[2].Filter)

	ls, err = ParseSpec("file:///tmp/x.pcap?vxlan-port=8472&depth=1&snaplen=9000")
	require.NoError(t, err)
	assert.Equal(t, "/tmp/x.pcap", ls[0].Path)
	assert.Equal(t, []uint16{8472}, ls[0].Decode.VXLANPorts)
	assert.Equal(t, 1, ls[0].Decode.MaxDepth)
	assert.Equal(t, 9000, ls[0].Snaplen)

	ls, err = ParseSpec("erspan://10.1.2.3")
	require.NoError(t, err)
	assert.Equal(t, KindGRE, ls[0].Kind)
}

func TestParseSpecErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"":                                 "empty source spec",
		"4789":                             "no scheme",
		"udp://:4789":                      `unknown scheme "udp"`,
		"vxlan://:99999":                   `bad port "99999"`,
		"vxlan://myhost:4789":              `host "myhost" is not an IP address`,
		"gre://1.2.3.4:47":                 "GRE has no ports",
		"vxlan://:4789?allow=10.0.0.0/33":  "allow=10.0.0.0/33 is neither a CIDR nor an address",
		"vxlan://:4789?vni=abc":            "vni=abc is not a session id",
		"vxlan://:4789?colour=red":         `unknown option "colour"`,
		"vxlan://:4789?workers=2&worker=2": "worker=2 must be below workers=2",
		"vxlan://:4789?worker=1":           "worker=1 needs workers=N",
		"vxlan://:4789?batch=0":            "batch=0 out of range",
		"vxlan://:4789?snaplen=64":         "snaplen=64 out of range",
		"file://relative.pcap":             "file spec needs an absolute path",
		"file:///a.pcap+vxlan://:4789":     "mixes files with live listeners",
		"vxlan://:4789?rcvbuf=-1":          "rcvbuf=-1 is not a non-negative number",
		"geneve://:6081?geneve-port=0":     "geneve-port=0 is not a UDP port",
	} {
		_, err := ParseSpec(spec)
		if assert.Error(t, err, spec) {
			assert.Contains(t, err.Error(), want, spec)
		}
	}
}

func TestOpenRejectsBadDepth(t *testing.T) {
	_, err := Open("vxlan://127.0.0.1:0?depth=9")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "depth 9 out of range")
}
