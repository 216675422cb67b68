package decap

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
)

// innerEthernet is a small Ethernet/IPv4/UDP frame built by gopacket.
func innerEthernet(t testing.TB, payload int) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: []byte{2, 1, 1, 1, 1, 1}, DstMAC: []byte{2, 2, 2, 2, 2, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{172, 16, 0, 1}, DstIP: []byte{172, 16, 0, 2}}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 53}
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, udp, gopacket.Payload(make([]byte, payload))))
	return buf.Bytes()
}

var (
	outer4 = encap.Outer{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), SrcPort: 50000}
	outer6 = encap.Outer{Src: netip.MustParseAddr("fd00::1"), Dst: netip.MustParseAddr("fd00::2"), SrcPort: 50000}
)

func TestRoundTripEveryFormat(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	inner := innerEthernet(t, 32)
	innerIP := inner[14:]
	awsOpts := []byte{
		0x01, 0x08, 0x01, 0x02, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, // class 0x0108 type 1: endpoint id
		0x01, 0x08, 0x03, 0x01, 0xca, 0xfe, 0xf0, 0x0d, //             type 3: flow cookie
	}
	cases := []struct {
		name    string
		h       encap.Header
		inner   []byte
		want    Encap
		link    LinkType
		id      uint32
		hasID   bool
		checkFn func(t *testing.T, p *Packet)
	}{
		{name: "vxlan", h: encap.Header{Format: encap.VXLAN, ID: 0xabcdef}, inner: inner, want: EncapVXLAN, link: LinkEthernet, id: 0xabcdef, hasID: true},
		{name: "geneve", h: encap.Header{Format: encap.GENEVE, ID: 7}, inner: inner, want: EncapGENEVE, link: LinkEthernet, id: 7, hasID: true},
		{name: "geneve-ip", h: encap.Header{Format: encap.GENEVE, ID: 8, InnerIP: true}, inner: innerIP, want: EncapGENEVE, link: LinkRaw, id: 8, hasID: true},
		{name: "geneve-aws-options", h: encap.Header{Format: encap.GENEVE, ID: 9, Options: awsOpts}, inner: inner, want: EncapGENEVE, link: LinkEthernet, id: 9, hasID: true,
			checkFn: func(t *testing.T, p *Packet) {
				g, ok := ParseAWSGWLB(p.Outer().Options)
				require.True(t, ok)
				assert.Equal(t, AWSGWLB{EndpointID: 0xdeadbeef, FlowCookie: 0xcafef00d}, g)
			}},
		{name: "gre-teb", h: encap.Header{Format: encap.GRE}, inner: inner, want: EncapGRE, link: LinkEthernet},
		{name: "gre-key", h: encap.Header{Format: encap.GRE, ID: 0x01020304, HasKey: true}, inner: inner, want: EncapGRE, link: LinkEthernet, id: 0x01020304, hasID: true},
		{name: "gre-ip", h: encap.Header{Format: encap.GRE, InnerIP: true}, inner: innerIP, want: EncapGRE, link: LinkRaw},
		{name: "greudp", h: encap.Header{Format: encap.GREUDP, ID: 0x0a0b0c0d, HasKey: true}, inner: inner, want: EncapGRE, link: LinkEthernet, id: 0x0a0b0c0d, hasID: true},
		{name: "greudp-ip", h: encap.Header{Format: encap.GREUDP, InnerIP: true}, inner: innerIP, want: EncapGRE, link: LinkRaw},
		{name: "erspan1", h: encap.Header{Format: encap.ERSPAN1}, inner: inner, want: EncapERSPAN1, link: LinkEthernet},
		{name: "erspan2", h: encap.Header{Format: encap.ERSPAN2, ID: 1023, VLAN: 4095, Seq: 9}, inner: inner, want: EncapERSPAN2, link: LinkEthernet, id: 1023, hasID: true,
			checkFn: func(t *testing.T, p *Packet) {
				assert.Equal(t, uint16(4095), p.Outer().VLAN)
				assert.Equal(t, uint32(9), p.Outer().Seq)
			}},
		{name: "erspan3", h: encap.Header{Format: encap.ERSPAN3, ID: 512, VLAN: 7}, inner: inner, want: EncapERSPAN3, link: LinkEthernet, id: 512, hasID: true},
		{name: "erspan3-platform", h: encap.Header{Format: encap.ERSPAN3, ID: 3, Platform: true}, inner: inner, want: EncapERSPAN3, link: LinkEthernet, id: 3, hasID: true},
		{name: "erspan3-ip", h: encap.Header{Format: encap.ERSPAN3, ID: 4, InnerIP: true}, inner: innerIP, want: EncapERSPAN3, link: LinkRaw, id: 4, hasID: true},
	}
	for _, tc := range cases {
		for _, o := range []encap.Outer{outer4, outer6} {
			name := tc.name + "/ipv4"
			if o.Src.Is6() {
				name = tc.name + "/ipv6"
			}
			t.Run(name, func(t *testing.T) {
				frame, err := encap.Frame(o, &tc.h, tc.inner)
				require.NoError(t, err)
				var p Packet
				require.NoError(t, d.DecodeFrame(frame, LinkEthernet, &p))
				assert.Equal(t, tc.want, p.Encap())
				assert.Equal(t, tc.link, p.InnerLink)
				assert.Equal(t, tc.inner, p.Inner)
				assert.Equal(t, len(frame)-len(tc.inner), p.InnerOffset)
				id, ok := p.Session()
				assert.Equal(t, tc.hasID, ok)
				assert.Equal(t, tc.id, id)
				assert.Equal(t, o.Src, p.Outer().Src)
				assert.Equal(t, o.Dst, p.Outer().Dst)
				if tc.checkFn != nil {
					tc.checkFn(t, &p)
				}
				// Every shorter capture of the same frame is rejected with a
				// reason or decoded to a shorter inner frame; never a panic.
				for n := 0; n < len(frame); n++ {
					err := d.DecodeFrame(frame[:n], LinkEthernet, &p)
					if err == nil {
						assert.Less(t, len(p.Inner), len(tc.inner))
						continue
					}
					r, isReason := err.(Reason)
					require.True(t, isReason)
					assert.NotEqual(t, ReasonNone, r)
				}
			})
		}
	}
}

func TestSocketEntryPoints(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	inner := innerEthernet(t, 10)
	src := netip.MustParseAddrPort("192.0.2.1:1234")
	dst := netip.MustParseAddrPort("192.0.2.2:4789")
	var p Packet
	payload := append(encap.AppendHeader(nil, &encap.Header{Format: encap.VXLAN, ID: 5}), inner...)
	require.NoError(t, d.DecodeUDPPayload(payload, EncapVXLAN, src, dst, &p))
	assert.Equal(t, inner, p.Inner)
	assert.Equal(t, src.Addr(), p.Outer().Src)
	assert.Equal(t, uint16(1234), p.Outer().SrcPort)

	payload = append(encap.AppendHeader(nil, &encap.Header{Format: encap.GENEVE, ID: 6}), inner...)
	require.NoError(t, d.DecodeUDPPayload(payload, EncapGENEVE, src, dst, &p))
	id, _ := p.Session()
	assert.Equal(t, uint32(6), id)

	payload = append(encap.AppendHeader(nil, &encap.Header{Format: encap.ERSPAN3, ID: 77}), inner...)
	require.NoError(t, d.DecodeGRE(payload, netip.MustParseAddr("fd00::9"), netip.MustParseAddr("fd00::a"), &p))
	assert.Equal(t, EncapERSPAN3, p.Encap())
	assert.Equal(t, inner, p.Inner)
}

func TestMalformedReasons(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	inner := innerEthernet(t, 10)
	build := func(h encap.Header, o encap.Outer) []byte {
		f, err := encap.Frame(o, &h, inner)
		require.NoError(t, err)
		return f
	}
	vxlan := build(encap.Header{Format: encap.VXLAN, ID: 1}, outer4)
	const ipOff, udpOff, tunOff = 14, 34, 42
	mutate := func(f []byte, fn func(b []byte)) []byte {
		c := append([]byte(nil), f...)
		fn(c)
		return c
	}
	cases := []struct {
		name string
		data []byte
		link LinkType
		want Reason
	}{
		{"vxlan without I flag", mutate(vxlan, func(b []byte) { b[tunOff] = 0 }), LinkEthernet, ReasonVXLANFlags},
		{"not a tunnel port", mutate(vxlan, func(b []byte) { binary.BigEndian.PutUint16(b[udpOff+2:], 53) }), LinkEthernet, ReasonNotTunnel},
		{"outer fragment", mutate(vxlan, func(b []byte) { b[ipOff+6] |= 0x20 }), LinkEthernet, ReasonOuterFragment},
		{"bad IP version", mutate(vxlan, func(b []byte) { b[ipOff] = 0x55 }), LinkEthernet, ReasonBadIPVersion},
		{"short IHL", mutate(vxlan, func(b []byte) { b[ipOff] = 0x44 }), LinkEthernet, ReasonBadIPv4HeaderLength},
		{"ARP is no tunnel", mutate(vxlan, func(b []byte) { binary.BigEndian.PutUint16(b[12:], 0x0806) }), LinkEthernet, ReasonNotTunnel},
		{"unknown link", vxlan, LinkType(105), ReasonUnsupportedLink},
		{"geneve version", mutate(build(encap.Header{Format: encap.GENEVE}, outer4), func(b []byte) { b[tunOff] |= 0x40 }), LinkEthernet, ReasonGENEVEVersion},
		{"geneve protocol", mutate(build(encap.Header{Format: encap.GENEVE}, outer4), func(b []byte) { b[tunOff+2] = 0x12 }), LinkEthernet, ReasonGENEVEProtocol},
		{"gre version", mutate(build(encap.Header{Format: encap.GRE}, outer4), func(b []byte) { b[udpOff+1] = 1 }), LinkEthernet, ReasonGREVersion},
		{"gre protocol", mutate(build(encap.Header{Format: encap.GRE}, outer4), func(b []byte) { b[udpOff+2] = 0x12 }), LinkEthernet, ReasonGREProtocol},
		{"erspan2 version", mutate(build(encap.Header{Format: encap.ERSPAN2}, outer4), func(b []byte) { b[udpOff+8] = 0x20 }), LinkEthernet, ReasonERSPANVersion},
		{"erspan3 frame type", mutate(build(encap.Header{Format: encap.ERSPAN3}, outer4), func(b []byte) { b[udpOff+8+10] = 0x7c }), LinkEthernet, ReasonERSPANFrameType},
		{"inner ip version", mutate(build(encap.Header{Format: encap.GRE, InnerIP: true}, outer4), func(b []byte) { b[udpOff+4] = 0x75 }), LinkEthernet, ReasonBadIPVersion},
	}
	var p Packet
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, d.DecodeFrame(tc.data, tc.link, &p))
		})
	}
}

func TestOuterVLANAndRawLink(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	inner := innerEthernet(t, 10)
	frame, err := encap.Frame(outer4, &encap.Header{Format: encap.VXLAN, ID: 3}, inner)
	require.NoError(t, err)
	tagged := append(append(append([]byte(nil), frame[:12]...), 0x81, 0x00, 0x00, 0x05), frame[12:]...)
	var p Packet
	require.NoError(t, d.DecodeFrame(tagged, LinkEthernet, &p))
	assert.Equal(t, inner, p.Inner)
	require.NoError(t, d.DecodeFrame(frame[14:], LinkRaw, &p))
	assert.Equal(t, inner, p.Inner)
	require.NoError(t, d.DecodeFrame(frame[14:], LinkIPv4, &p))
	assert.Equal(t, inner, p.Inner)
	// Ethernet padding after the outer datagram is not part of the inner frame.
	require.NoError(t, d.DecodeFrame(append(append([]byte(nil), frame...), 0, 0, 0, 0), LinkEthernet, &p))
	assert.Equal(t, inner, p.Inner)
}

func TestDepthAndCustomPorts(t *testing.T) {
	inner := innerEthernet(t, 10)
	vx, err := encap.Frame(encap.Outer{Src: netip.MustParseAddr("10.9.0.1"), Dst: netip.MustParseAddr("10.9.0.2"), SrcPort: 1}, &encap.Header{Format: encap.VXLAN, ID: 42}, inner)
	require.NoError(t, err)
	chain, err := encap.Frame(outer4, &encap.Header{Format: encap.GENEVE, ID: 1, InnerIP: true}, vx[14:])
	require.NoError(t, err)

	var p Packet
	two, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	require.NoError(t, two.DecodeFrame(chain, LinkEthernet, &p))
	assert.Equal(t, 2, p.Depth)
	assert.Equal(t, inner, p.Inner)
	id, _ := p.Session()
	assert.Equal(t, uint32(42), id, "the VXLAN VNI inside names the mirror session")
	assert.Equal(t, netip.MustParseAddr("10.9.0.1"), p.Layers[1].Src)

	cfg := DefaultConfig()
	cfg.MaxDepth = 1
	one, err := NewDecoder(cfg)
	require.NoError(t, err)
	require.NoError(t, one.DecodeFrame(chain, LinkEthernet, &p))
	assert.Equal(t, 1, p.Depth)
	assert.Equal(t, vx[14:], p.Inner)

	// A nested tunnel that fails to parse leaves the outer strip standing.
	bad := append([]byte(nil), chain...)
	bad[len(chain)-len(inner)-8] = 0 // clear the inner VXLAN I flag
	require.NoError(t, two.DecodeFrame(bad, LinkEthernet, &p))
	assert.Equal(t, 1, p.Depth)

	cfg = DefaultConfig()
	cfg.VXLANPorts = []uint16{8472} // Linux's historical VXLAN port
	custom, err := NewDecoder(cfg)
	require.NoError(t, err)
	f, err := encap.Frame(encap.Outer{Src: outer4.Src, Dst: outer4.Dst, DstPort: 8472}, &encap.Header{Format: encap.VXLAN, ID: 2}, inner)
	require.NoError(t, err)
	require.NoError(t, custom.DecodeFrame(f, LinkEthernet, &p))
	assert.Equal(t, ReasonNotTunnel, two.DecodeFrame(f, LinkEthernet, &p))

	for _, bad := range []Config{{MaxDepth: 0}, {MaxDepth: MaxDepth + 1}, {MaxDepth: 1, VXLANPorts: []uint16{9}, GENEVEPorts: []uint16{9}}} {
		_, err := NewDecoder(bad)
		assert.Error(t, err)
	}
}

func TestDecodeDoesNotAllocate(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	inner := innerEthernet(t, 10)
	for _, h := range []encap.Header{{Format: encap.VXLAN, ID: 1}, {Format: encap.GENEVE, Options: make([]byte, 8)}, {Format: encap.ERSPAN3, Platform: true}} {
		frame, err := encap.Frame(outer6, &h, inner)
		require.NoError(t, err)
		var p Packet
		allocs := testing.AllocsPerRun(1000, func() {
			if err := d.DecodeFrame(frame, LinkEthernet, &p); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, "%v", h.Format)
		bad := frame[:30]
		allocs = testing.AllocsPerRun(1000, func() { _ = d.DecodeFrame(bad, LinkEthernet, &p) })
		assert.Zero(t, allocs, "%v rejected", h.Format)
	}
}

func TestReasonNames(t *testing.T) {
	seen := map[string]bool{}
	for r := ReasonNone; r < NumReasons; r++ {
		require.NotEmpty(t, r.String(), "reason %d has no name", r)
		require.NotEmpty(t, reasonTexts[r], "reason %d has no text", r)
		require.False(t, seen[r.String()], "duplicate name %s", r)
		seen[r.String()] = true
	}
	assert.Equal(t, "unknown", NumReasons.String())
}
