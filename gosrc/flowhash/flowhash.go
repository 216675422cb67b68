// Package flowhash assigns inner flows to workers: every packet of a flow,
// in both directions, gets the same hash, whatever tunnel carried it. IP
// fragments hash by addresses and protocol only (the 3-tuple), since only
// the first fragment carries ports.
//
// The hash is defined with 32-bit xor, shift and multiply so that the very
// same function runs in the kernel as a classic BPF program (see bpf.go):
// Go and kernel must agree for a worker to get only its own flows.
package flowhash

import (
	"encoding/binary"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

const (
	ipProtoTCP     = 6
	ipProtoUDP     = 17
	ipProtoSCTP    = 132
	ipProtoUDPLite = 136

	maxVLANTags = 2
)

// mix is murmur3's 32-bit finaliser: it spreads the xor-folded tuple over
// all bits so that taking it modulo a small worker count is even.
func mix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// Hash returns the symmetric flow hash of an inner frame. Frames that are
// not IP (ARP, LLDP) hash to 0, so they all land on worker 0.
//
// The tuple is folded with xor: src^dst for addresses (IPv6 as four 32-bit
// words each), sport^dport for ports, and the protocol; xor is what makes the
// hash symmetric without comparing endpoints, which a BPF program could not
// afford.
func Hash(frame []byte, link decap.LinkType) uint32 {
	off := 0
	version := byte(0)
	switch link {
	case decap.LinkEthernet:
		if len(frame) < 14 {
			return 0
		}
		et := binary.BigEndian.Uint16(frame[12:])
		off = 14
		for i := 0; i < maxVLANTags && (et == 0x8100 || et == 0x88a8); i++ {
			if len(frame) < off+4 {
				return 0
			}
			et = binary.BigEndian.Uint16(frame[off+2:])
			off += 4
		}
		switch et {
		case 0x0800:
			version = 4
		case 0x86dd:
			version = 6
		default:
			return 0
		}
	case decap.LinkRaw, decap.LinkIPv4, decap.LinkIPv6:
		if len(frame) < 1 {
			return 0
		}
		version = frame[0] >> 4
	default:
		return 0
	}
	switch version {
	case 4:
		return hashIPv4(frame[off:])
	case 6:
		return hashIPv6(frame[off:])
	}
	return 0
}

func hasPorts(proto uint8) bool {
	return proto == ipProtoTCP || proto == ipProtoUDP || proto == ipProtoSCTP || proto == ipProtoUDPLite
}

// hashIPv4: a header the hash needs that is cut short gives 0, as a BPF
// load past the end of a packet does in the kernel.
func hashIPv4(ip []byte) uint32 {
	if len(ip) < 20 {
		return 0
	}
	be := binary.BigEndian
	ihl := int(ip[0]&0x0f) * 4
	if ihl < 20 {
		return 0
	}
	proto := ip[9]
	h := be.Uint32(ip[12:]) ^ be.Uint32(ip[16:]) ^ uint32(proto)
	if be.Uint16(ip[6:])&0x3fff == 0 && hasPorts(proto) { // not a fragment
		if len(ip) < ihl+4 {
			return 0
		}
		h ^= uint32(be.Uint16(ip[ihl:]) ^ be.Uint16(ip[ihl+2:]))
	}
	return mix(h)
}

// hashIPv6 takes ports only when the transport header follows the fixed
// header directly; otherwise (extension headers, fragments) it hashes the
// addresses and the next-header value. BPF cannot loop over an extension
// chain, and packets of one flow carry the same chain, so flows stay whole.
func hashIPv6(ip []byte) uint32 {
	if len(ip) < 40 {
		return 0
	}
	be := binary.BigEndian
	next := ip[6]
	h := uint32(next)
	for i := 8; i < 40; i += 4 {
		h ^= be.Uint32(ip[i:])
	}
	if hasPorts(next) {
		if len(ip) < 44 {
			return 0
		}
		h ^= uint32(be.Uint16(ip[40:]) ^ be.Uint16(ip[42:]))
	}
	return mix(h)
}

// Worker maps a hash onto one of n workers.
func Worker(h uint32, n int) int {
	if n <= 1 {
		return 0
	}
	return int(h % uint32(n))
}
