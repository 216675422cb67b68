package decap

import (
	"encoding/binary"
	"net/netip"
)

const (
	etherTypeIPv4   = 0x0800
	etherTypeIPv6   = 0x86DD
	etherTypeVLAN   = 0x8100
	etherTypeQinQ   = 0x88A8
	etherTypeQinQ91 = 0x9100
	etherTypeTEB    = 0x6558 // transparent Ethernet bridging: Ethernet inside

	ipProtoUDP = 17
	ipProtoGRE = 47

	maxVLANTags = 3
)

// locate walks link, VLAN, IP and UDP headers from data[off:] to the start of
// a tunnel header. ReasonNotTunnel means the packet parsed but carries no
// tunnel we know.
func (d *Decoder) locate(data []byte, off int, link LinkType) (tunnelAt, Reason) {
	var etherType uint16
	switch link {
	case LinkEthernet:
		var r Reason
		if off, etherType, r = skipEthernet(data, off); r != ReasonNone {
			return tunnelAt{}, r
		}
	case LinkRaw:
		if off >= len(data) {
			return tunnelAt{}, ReasonTruncatedIPv4
		}
		switch data[off] >> 4 {
		case 4:
			etherType = etherTypeIPv4
		case 6:
			etherType = etherTypeIPv6
		default:
			return tunnelAt{}, ReasonBadIPVersion
		}
	case LinkIPv4:
		etherType = etherTypeIPv4
	case LinkIPv6:
		etherType = etherTypeIPv6
	default:
		return tunnelAt{}, ReasonUnsupportedLink
	}
	var (
		loc   tunnelAt
		proto uint8
		r     Reason
	)
	switch etherType {
	case etherTypeIPv4:
		loc.data, off, proto, loc.src, loc.dst, r = parseIPv4(data, off)
	case etherTypeIPv6:
		loc.data, off, proto, loc.src, loc.dst, r = parseIPv6(data, off)
	default:
		return tunnelAt{}, ReasonNotTunnel
	}
	if r != ReasonNone {
		return tunnelAt{}, r
	}
	switch proto {
	case ipProtoGRE:
		loc.encap, loc.off = EncapGRE, off
		return loc, ReasonNone
	case ipProtoUDP:
		if len(loc.data) < off+8 {
			return tunnelAt{}, ReasonTruncatedUDP
		}
		u := loc.data[off:]
		loc.srcPort = binary.BigEndian.Uint16(u[0:2])
		loc.dstPort = binary.BigEndian.Uint16(u[2:4])
		switch {
		case d.vxlan.has(loc.dstPort):
			loc.encap = EncapVXLAN
		case d.geneve.has(loc.dstPort):
			loc.encap = EncapGENEVE
		case d.greudp.has(loc.dstPort):
			loc.encap = EncapGRE // RFC 8086: the GRE header follows the UDP header
		default:
			return tunnelAt{}, ReasonNotTunnel
		}
		// The UDP length bounds the payload; a capture may hold less.
		if end := off + int(binary.BigEndian.Uint16(u[4:6])); end >= off+8 && end < len(loc.data) {
			loc.data = loc.data[:end]
		}
		loc.off = off + 8
		return loc, ReasonNone
	}
	return tunnelAt{}, ReasonNotTunnel
}

// SkipEthernet walks an Ethernet frame's header and its VLAN tags (up to
// three: 802.1Q, 802.1ad, 0x9100) as the decoder does, and returns the
// offset of the payload and its EtherType; false when the frame is too
// short to hold them.
func SkipEthernet(frame []byte) (int, uint16, bool) {
	off, etherType, r := skipEthernet(frame, 0)
	return off, etherType, r == ReasonNone
}

// skipEthernet returns the offset after the Ethernet header and any VLAN
// tags, and the EtherType found there.
func skipEthernet(data []byte, off int) (int, uint16, Reason) {
	if len(data) < off+14 {
		return 0, 0, ReasonTruncatedEthernet
	}
	etherType := binary.BigEndian.Uint16(data[off+12:])
	off += 14
	for i := 0; i < maxVLANTags && (etherType == etherTypeVLAN || etherType == etherTypeQinQ || etherType == etherTypeQinQ91); i++ {
		if len(data) < off+4 {
			return 0, 0, ReasonTruncatedEthernet
		}
		etherType = binary.BigEndian.Uint16(data[off+2:])
		off += 4
	}
	return off, etherType, ReasonNone
}

// parseIPv4 returns data trimmed to the datagram's total length, the offset
// of its payload, the protocol and the addresses. Fragments are refused: a
// tunnel header split across fragments cannot be stripped packet by packet.
func parseIPv4(data []byte, off int) ([]byte, int, uint8, netip.Addr, netip.Addr, Reason) {
	var none netip.Addr
	if len(data) < off+20 {
		return nil, 0, 0, none, none, ReasonTruncatedIPv4
	}
	h := data[off:]
	if h[0]>>4 != 4 {
		return nil, 0, 0, none, none, ReasonBadIPVersion
	}
	ihl := int(h[0]&0x0f) * 4
	if ihl < 20 {
		return nil, 0, 0, none, none, ReasonBadIPv4HeaderLength
	}
	if len(h) < ihl {
		return nil, 0, 0, none, none, ReasonTruncatedIPv4
	}
	if binary.BigEndian.Uint16(h[6:8])&0x3fff != 0 { // MF flag or fragment offset
		return nil, 0, 0, none, none, ReasonOuterFragment
	}
	if end := off + int(binary.BigEndian.Uint16(h[2:4])); end >= off+ihl && end < len(data) {
		data = data[:end]
	}
	src := netip.AddrFrom4([4]byte(h[12:16]))
	dst := netip.AddrFrom4([4]byte(h[16:20]))
	return data, off + ihl, h[9], src, dst, ReasonNone
}

// parseIPv6 is parseIPv4 for IPv6, skipping extension headers.
func parseIPv6(data []byte, off int) ([]byte, int, uint8, netip.Addr, netip.Addr, Reason) {
	var none netip.Addr
	if len(data) < off+40 {
		return nil, 0, 0, none, none, ReasonTruncatedIPv6
	}
	h := data[off:]
	if h[0]>>4 != 6 {
		return nil, 0, 0, none, none, ReasonBadIPVersion
	}
	if end := off + 40 + int(binary.BigEndian.Uint16(h[4:6])); end < len(data) {
		data = data[:end]
	}
	src := netip.AddrFrom16([16]byte(h[8:24]))
	dst := netip.AddrFrom16([16]byte(h[24:40]))
	next := h[6]
	off += 40
	for {
		switch next {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(data) < off+8 {
				return nil, 0, 0, none, none, ReasonTruncatedIPv6
			}
			next, off = data[off], off+(int(data[off+1])+1)*8
		case 51: // authentication header counts in 4-byte units
			if len(data) < off+8 {
				return nil, 0, 0, none, none, ReasonTruncatedIPv6
			}
			next, off = data[off], off+(int(data[off+1])+2)*4
		case 44: // fragment
			if len(data) < off+8 {
				return nil, 0, 0, none, none, ReasonTruncatedIPv6
			}
			if binary.BigEndian.Uint16(data[off+2:off+4])&0xfff9 != 0 { // offset or M flag
				return nil, 0, 0, none, none, ReasonOuterFragment
			}
			next, off = data[off], off+8
		default:
			if off > len(data) {
				return nil, 0, 0, none, none, ReasonTruncatedIPv6
			}
			return data, off, next, src, dst, ReasonNone
		}
	}
}
