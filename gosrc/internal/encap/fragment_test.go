package encap

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Fragments fit the MTU, carry multiples of 8 bytes but the last, and
// their payloads put end to end are the datagram's; gopacket reads each
// (IPv4 with its checksum checked).
func TestFragmentSplitsAsAPathWould(t *testing.T) {
	inner := bytes.Repeat([]byte{0xab}, 3000)
	for _, tc := range []struct {
		src, dst netip.Addr
		mtu      int
	}{
		{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), 1500},
		{netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2"), 1280},
	} {
		whole, err := Frame(Outer{Src: tc.src, Dst: tc.dst}, &Header{Format: ERSPAN2, ID: 7}, inner)
		if err != nil {
			t.Fatal(err)
		}
		frags, err := Fragment(whole, tc.mtu, 99)
		if err != nil {
			t.Fatal(err)
		}
		if len(frags) != 3 {
			t.Fatalf("%v: %d fragments, want 3", tc.src, len(frags))
		}
		var payload []byte
		for i, f := range frags {
			if len(f)-14 > tc.mtu {
				t.Fatalf("%v: fragment %d is %d bytes of IP, over MTU %d", tc.src, i, len(f)-14, tc.mtu)
			}
			p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
			last := i == len(frags)-1
			var off int
			var more bool
			var part []byte
			if tc.src.Is4() {
				ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
				sum := ip.Checksum
				if err := ip.SerializeTo(gopacket.NewSerializeBuffer(), gopacket.SerializeOptions{ComputeChecksums: true}); err != nil {
					t.Fatal(err)
				}
				if ip.Checksum != sum || ip.Id != 99 {
					t.Fatalf("fragment %d: checksum %#x (want %#x), id %d", i, sum, ip.Checksum, ip.Id)
				}
				off, more, part = int(ip.FragOffset)*8, ip.Flags&layers.IPv4MoreFragments != 0, ip.Payload
			} else {
				fh := p.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment)
				if fh.Identification != 99 || fh.NextHeader != layers.IPProtocolGRE {
					t.Fatalf("fragment %d: id %d, next header %v", i, fh.Identification, fh.NextHeader)
				}
				off, more, part = int(fh.FragmentOffset)*8, fh.MoreFragments, fh.Payload
			}
			if off != len(payload) || more == last || !last && len(part)%8 != 0 {
				t.Fatalf("%v: fragment %d: offset %d (want %d), more %v, %d bytes", tc.src, i, off, len(payload), more, len(part))
			}
			payload = append(payload, part...)
		}
		ipLen := 20
		if tc.src.Is6() {
			ipLen = 40
		}
		if !bytes.Equal(payload, whole[14+ipLen:]) {
			t.Fatalf("%v: fragments carry %d bytes, not the datagram's %d", tc.src, len(payload), len(whole)-14-ipLen)
		}
	}
}
