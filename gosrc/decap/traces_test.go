package decap

import (
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// traceFacts are what tcpdump and Wireshark show for each shared capture.
var traceFacts = []struct {
	file      string
	frames    int
	encap     Encap
	depth     int
	session   uint32
	hasSess   bool
	innerLink LinkType
	rejected  map[Reason]int
}{
	{file: "vxlan.pcap", frames: 10, encap: EncapVXLAN, depth: 1, session: 123, hasSess: true, innerLink: LinkEthernet},
	{file: "vxlan-encapsulated-http.pcap", frames: 12, encap: EncapVXLAN, depth: 1, session: 1, hasSess: true, innerLink: LinkEthernet},
	{file: "vxlan-inner-tcp-bad-checksum.pcap", frames: 1, encap: EncapVXLAN, depth: 1, session: 42, hasSess: true, innerLink: LinkEthernet},
	{file: "geneve.pcap", frames: 6, encap: EncapGENEVE, depth: 1, session: 0, hasSess: true, innerLink: LinkEthernet},
	{file: "geneve-ipv6.pcap", frames: 2, encap: EncapGENEVE, depth: 1, session: 0x123456, hasSess: true, innerLink: LinkRaw},
	{file: "geneve-many-options.pcap", frames: 10, encap: EncapGENEVE, depth: 1, session: 0xc012e, hasSess: true, innerLink: LinkEthernet},
	{file: "geneve-truncated.pcap", frames: 1, rejected: map[Reason]int{ReasonTruncatedInner: 1}},
	{file: "geneve-vxlan-dns-truncated.pcap", frames: 2, encap: EncapVXLAN, depth: 2, session: 4242, hasSess: true, innerLink: LinkEthernet},
	{file: "gre-sample.pcap", frames: 40, encap: EncapGRE, depth: 1, innerLink: LinkRaw},
	{file: "erspanII.pcap", frames: 4, encap: EncapERSPAN2, depth: 1, session: 100, hasSess: true, innerLink: LinkEthernet},
	{file: "erspanIII.pcap", frames: 2, encap: EncapERSPAN3, depth: 1, session: 0, hasSess: true, innerLink: LinkEthernet},
	{file: "gre-erspan3-dot1q.pcap", frames: 2, encap: EncapERSPAN3, depth: 1, session: 0, hasSess: true, innerLink: LinkEthernet},
}

func TestSharedTraces(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	for _, tc := range traceFacts {
		t.Run(tc.file, func(t *testing.T) {
			frames, link := traces.Read(t, tc.file)
			require.Len(t, frames, tc.frames)
			rejected := map[Reason]int{}
			var p Packet
			for i, f := range frames {
				err := d.DecodeFrame(f.Data, LinkType(link), &p)
				if err != nil {
					rejected[err.(Reason)]++
					continue
				}
				assert.Equal(t, tc.encap, p.Encap(), "frame %d", i)
				assert.Equal(t, tc.depth, p.Depth, "frame %d", i)
				assert.Equal(t, tc.innerLink, p.InnerLink, "frame %d", i)
				s, ok := p.Session()
				assert.Equal(t, tc.hasSess, ok, "frame %d", i)
				assert.Equal(t, tc.session, s, "frame %d", i)
				assert.Equal(t, f.Data[p.InnerOffset:p.InnerOffset+len(p.Inner)], p.Inner)
				checkAgainstGopacket(t, i, f.Data, &p)
			}
			want := tc.rejected
			if want == nil {
				want = map[Reason]int{}
			}
			assert.Equal(t, want, rejected)
		})
	}
}

// checkAgainstGopacket decodes the frame with gopacket's own layers, an
// independent implementation, and compares the inner frame and IDs for the
// formats gopacket knows (it has no ERSPAN III).
func checkAgainstGopacket(t *testing.T, i int, data []byte, p *Packet) {
	t.Helper()
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	var (
		inner []byte
		ids   []uint32
	)
	for _, l := range pkt.Layers() {
		if len(ids) == p.Depth {
			break
		}
		switch v := l.(type) {
		case *layers.VXLAN:
			ids, inner = append(ids, v.VNI), v.Payload
		case *layers.Geneve:
			ids, inner = append(ids, v.VNI), v.Payload
		case *layers.ERSPANII:
			ids, inner = append(ids, uint32(v.SessionID)), v.Payload
		case *layers.GRE:
			if v.Protocol == layers.EthernetTypeIPv4 || v.Protocol == layers.EthernetTypeIPv6 {
				ids, inner = append(ids, 0), v.Payload
			}
		}
	}
	if p.Encap() == EncapERSPAN3 {
		// gopacket stops at ERSPAN III; check instead that the inner frame
		// parses as Ethernet down to ICMP, which it only does at the right offset.
		in := gopacket.NewPacket(p.Inner, layers.LayerTypeEthernet, gopacket.Default)
		assert.NotNil(t, in.Layer(layers.LayerTypeICMPv4), "frame %d: inner is not Ethernet/IP/ICMP", i)
		assert.Nil(t, in.ErrorLayer(), "frame %d", i)
		return
	}
	require.Len(t, ids, p.Depth, "frame %d: gopacket found a different number of tunnels", i)
	for k := range ids {
		if p.Layers[k].Encap != EncapGRE {
			assert.Equal(t, ids[k], p.Layers[k].ID, "frame %d layer %d", i, k)
		}
	}
	assert.Equal(t, inner, p.Inner, "frame %d", i)
}

func TestGeneveManyOptionsMatchGopacket(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	frames, link := traces.Read(t, "geneve-many-options.pcap")
	var p Packet
	for i, f := range frames {
		require.NoError(t, d.DecodeFrame(f.Data, LinkType(link), &p))
		ref := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeGeneve).(*layers.Geneve)
		it := GeneveOptions(p.Outer().Options)
		n := 0
		for o, ok := it.Next(); ok; o, ok = it.Next() {
			require.Less(t, n, len(ref.Options), "frame %d: more options than gopacket sees", i)
			assert.Equal(t, ref.Options[n].Class, o.Class)
			assert.Equal(t, ref.Options[n].Type, o.Type)
			assert.Equal(t, ref.Options[n].Data, o.Data)
			n++
		}
		require.NoError(t, it.Err())
		assert.Equal(t, len(ref.Options), n, "frame %d", i)
	}
}

func TestERSPANFieldsFromTraces(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	require.NoError(t, err)
	var p Packet
	// ERSPAN II: Wireshark shows VLAN 23, session 100, GRE sequence 1796.
	frames, link := traces.Read(t, "erspanII.pcap")
	require.NoError(t, d.DecodeFrame(frames[0].Data, LinkType(link), &p))
	assert.Equal(t, uint16(23), p.Outer().VLAN)
	assert.Equal(t, uint32(1796), p.Outer().Seq)
	assert.True(t, p.Outer().HasSeq)
	// ERSPAN III with the platform sub-header: the inner frame carries an
	// 802.1Q tag for VLAN 10, which is also the original VLAN reported.
	frames, link = traces.Read(t, "gre-erspan3-dot1q.pcap")
	require.NoError(t, d.DecodeFrame(frames[0].Data, LinkType(link), &p))
	assert.Equal(t, uint16(10), p.Outer().VLAN)
	in := gopacket.NewPacket(p.Inner, layers.LayerTypeEthernet, gopacket.Default)
	dot1q, ok := in.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
	require.True(t, ok, "inner frame has no 802.1Q tag")
	assert.Equal(t, uint16(10), dot1q.VLANIdentifier)
}
