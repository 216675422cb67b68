package encap

import (
	"encoding/binary"
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Fragment splits a whole outer Ethernet frame (as Frame builds) into the
// IP fragments a path of the given MTU makes of it, as RFC 791 and RFC
// 8200 say: every fragment but the last carries a multiple of 8 payload
// bytes. IPv6 fragments get a fragment header after the fixed header
// (Frame writes no extension headers). A frame that fits is returned
// whole. id is the datagram's identification.
func Fragment(frame []byte, mtu int, id uint32) ([][]byte, error) {
	const eth = 14
	if len(frame) < eth+20 {
		return nil, fmt.Errorf("encap: fragment: frame of %d bytes holds no IP header", len(frame))
	}
	ip := frame[eth:]
	if len(ip) <= mtu {
		return [][]byte{frame}, nil
	}
	var out [][]byte
	switch ip[0] >> 4 {
	case 4:
		// gopacket writes each fragment's header, length and checksum.
		pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.NoCopy)
		v4, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		ethLayer, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		if !ok || ethLayer == nil {
			return nil, fmt.Errorf("encap: fragment: no IPv4 header in the frame")
		}
		ihl := int(v4.IHL) * 4
		step := (mtu - ihl) &^ 7
		if step <= 0 {
			return nil, fmt.Errorf("encap: fragment: MTU %d leaves no room after a %d-byte IPv4 header", mtu, ihl)
		}
		payload := ip[ihl:]
		for off := 0; off < len(payload); off += step {
			n := min(step, len(payload)-off)
			h := *v4
			h.Id, h.FragOffset, h.Flags = uint16(id), uint16(off/8), v4.Flags&^layers.IPv4MoreFragments
			if off+n < len(payload) {
				h.Flags |= layers.IPv4MoreFragments
			}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
				ethLayer, &h, gopacket.Payload(payload[off:off+n])); err != nil {
				return nil, fmt.Errorf("encap: fragment: %w", err)
			}
			out = append(out, buf.Bytes())
		}
	case 6:
		if len(ip) < 40 {
			return nil, fmt.Errorf("encap: fragment: IPv6 header cut short")
		}
		step := (mtu - 48) &^ 7
		if step <= 0 {
			return nil, fmt.Errorf("encap: fragment: MTU %d leaves no room after the IPv6 and fragment headers", mtu)
		}
		payload := ip[40:]
		for off := 0; off < len(payload); off += step {
			n := min(step, len(payload)-off)
			f := append([]byte(nil), frame[:eth+40]...)
			fh := make([]byte, 8)
			fh[0] = ip[6] // the payload's protocol
			fo := uint16(off)
			if off+n < len(payload) {
				fo |= 1 // more fragments
			}
			binary.BigEndian.PutUint16(fh[2:4], fo)
			binary.BigEndian.PutUint32(fh[4:8], id)
			f = append(append(f, fh...), payload[off:off+n]...)
			f[eth+6] = 44 // fragment header
			binary.BigEndian.PutUint16(f[eth+4:eth+6], uint16(8+n))
			out = append(out, f)
		}
	default:
		return nil, fmt.Errorf("encap: fragment: IP version %d", ip[0]>>4)
	}
	return out, nil
}
