package ipfrag

import (
	"encoding/binary"
	"net/netip"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

// parse reads the fragment fields of an IPv4 or IPv6 datagram in frame.
// ok is false when no IP header can be read at all.
func parse(frame []byte, link decap.LinkType) (f fragment, ok bool) {
	data := frame
	switch link {
	case decap.LinkEthernet:
		off, etherType, ok := decap.SkipEthernet(frame)
		if !ok {
			return f, false
		}
		data = frame[off:]
		switch etherType {
		case 0x0800:
			return parseIPv4(data)
		case 0x86DD:
			return parseIPv6(data)
		}
		return f, false
	case decap.LinkIPv4:
		return parseIPv4(data)
	case decap.LinkIPv6:
		return parseIPv6(data)
	case decap.LinkRaw:
		if len(data) > 0 && data[0]>>4 == 4 {
			return parseIPv4(data)
		}
		return parseIPv6(data)
	}
	return f, false
}

func parseIPv4(h []byte) (f fragment, ok bool) {
	if len(h) < 20 || h[0]>>4 != 4 {
		return f, false
	}
	ihl := int(h[0]&0x0f) * 4
	if ihl < 20 || len(h) < ihl {
		return f, false
	}
	f.key = key{
		src: netip.AddrFrom4([4]byte(h[12:16])), dst: netip.AddrFrom4([4]byte(h[16:20])),
		id: uint32(binary.BigEndian.Uint16(h[4:6])), proto: h[9],
	}
	fo := binary.BigEndian.Uint16(h[6:8])
	f.off, f.more = int(fo&0x1fff)*8, fo&0x2000 != 0
	f.isFrag = f.more || f.off != 0
	f.header, f.nextAt = h[:ihl], -1
	total := int(binary.BigEndian.Uint16(h[2:4]))
	if total < ihl || total > len(h) {
		// A fragment the capture cut short cannot be put back together.
		f.truncBad = true
		return f, true
	}
	f.payload = h[ihl:total]
	f.truncBad = badLength(f)
	return f, true
}

func parseIPv6(h []byte) (f fragment, ok bool) {
	if len(h) < 40 || h[0]>>4 != 6 {
		return f, false
	}
	f.v6 = true
	f.key = key{src: netip.AddrFrom16([16]byte(h[8:24])), dst: netip.AddrFrom16([16]byte(h[24:40]))}
	end := 40 + int(binary.BigEndian.Uint16(h[4:6]))
	if end > len(h) {
		f.truncBad = true
		end = len(h)
	}
	next, nextAt, off := h[6], 6, 40
	for {
		switch next {
		case 0, 43, 60, 51: // hop-by-hop, routing, destination options, AH: unfragmentable
			if end < off+8 {
				return f, false
			}
			n := (int(h[off+1]) + 1) * 8
			if next == 51 {
				n = (int(h[off+1]) + 2) * 4
			}
			next, nextAt, off = h[off], off, off+n
		case 44:
			if end < off+8 {
				return f, false
			}
			fo := binary.BigEndian.Uint16(h[off+2 : off+4])
			f.off, f.more = int(fo&0xfff8), fo&1 != 0
			f.isFrag = f.more || f.off != 0
			f.key.id = binary.BigEndian.Uint32(h[off+4 : off+8])
			f.next, f.nextAt = h[off], nextAt
			f.header = h[:off]
			f.payload = h[off+8 : end]
			f.truncBad = f.truncBad || badLength(f)
			return f, true
		default:
			return f, true // no fragment header: not a fragment
		}
	}
}

// badLength refuses an empty fragment and one that is not the last but
// whose length is not a multiple of 8 (RFC 791, RFC 8200).
func badLength(f fragment) bool {
	return len(f.payload) == 0 || f.more && len(f.payload)%8 != 0
}
