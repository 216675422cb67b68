package capture

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/decap"
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
		"vxlan://:4789?allow=10.0.0.0/33":  `allow="10.0.0.0/33": "10.0.0.0/33" is neither a CIDR nor an address`,
		"vxlan://:4789?vni=abc":            `vni="abc": "abc" is not a session id`,
		"vxlan://:4789?colour=red":         `capture: invalid option colour="red": unknown option; known: allow, batch,`,
		"vxlan://:4789?workers=2&worker=2": `worker="2": must be below workers=2`,
		"vxlan://:4789?worker=1":           `worker="1": needs workers=N`,
		"vxlan://:4789?batch=0":            `batch="0": out of range 1..1024`,
		"vxlan://:4789?snaplen=64":         `snaplen="64": out of range 128..65535`,
		"file://relative.pcap":             "file spec needs an absolute path",
		"file:///a.pcap+vxlan://:4789":     "mixes files with live listeners",
		"vxlan://:4789?rcvbuf=-1":          `rcvbuf="-1": want a byte count`,
		"geneve://:6081?geneve-port=0":     `geneve-port="0": "0" is not a UDP port`,
		"vxlan://:4789?rcvbuf=64MB":        `rcvbuf="64MB": want a byte count such as 1048576, 512k, 64M, 64MiB or 1G`,
		"vxlan://:4789?batch=8&batch=16":   `batch="16": given more than once`,
		"vxlan://:4789?snaplen":            `snaplen="": no value`,
		"vxlan://:4789?alow=10.0.0.0/8":    `alow="10.0.0.0/8": unknown option; did you mean allow?`,
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
	assert.Contains(t, err.Error(), `depth="9": out of range 1..4`)
}

func TestGREInUDPSpec(t *testing.T) {
	ls, err := ParseSpec("greudp://10.0.0.5+greudp://[::1]:9000?session=7")
	require.NoError(t, err)
	assert.Equal(t, KindGREUDP, ls[0].Kind)
	assert.Equal(t, netip.MustParseAddrPort("10.0.0.5:4754"), ls[0].Addr, "RFC 8086's port by default")
	assert.Equal(t, netip.MustParseAddrPort("[::1]:9000"), ls[1].Addr)
	assert.Equal(t, []uint32{7}, ls[1].Filter.Sessions)
	ls, err = ParseSpec("file:///x.pcap?greudp-port=5000,4754")
	require.NoError(t, err)
	assert.Equal(t, []uint16{5000, 4754}, ls[0].Decode.GREUDPPorts)
}

func TestSpecOptionsTakeTheOneGrammar(t *testing.T) {
	require.NoError(t, Options.SelfCheck())
	ls, err := ParseSpec("vxlan://:4789?rcvbuf=64M&snaplen=9216&vni=1&vni=2,3&allow=10.0.0.0/8")
	require.NoError(t, err, "rcvbuf=64M was refused before the one grammar")
	assert.Equal(t, 64<<20, ls[0].RcvBuf)
	assert.Equal(t, 9216, ls[0].Snaplen)
	assert.Equal(t, []uint32{1, 2, 3}, ls[0].Filter.Sessions, "a list by commas and by repeated keys")

	ls, err = ParseSpec("geneve://")
	require.NoError(t, err)
	assert.Equal(t, DefaultRcvBuf, ls[0].RcvBuf, "the table's defaults are the spec's")
	assert.Equal(t, DefaultBatch, ls[0].Batch)
	assert.Equal(t, DefaultSnaplen, ls[0].Snaplen)
	assert.Equal(t, decap.DefaultConfig(), ls[0].Decode)
}
