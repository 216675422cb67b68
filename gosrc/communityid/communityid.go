// Package communityid computes the Community ID flow hash, version 1
// (https://github.com/corelight/community-id-spec), the value Zeek's
// policy/protocols/conn/community-id-logging.zeek logs as
// conn.log's community_id and ECS names network.community_id: the same
// connection gets the same ID from every tool that saw it.
package communityid

import (
	"crypto/sha1" //nolint:gosec // the spec's hash; not a security use
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/netip"
)

// IP protocol numbers the spec treats specially.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// ProtoNumber is the IP protocol number of a Zeek transport name (conn.log's
// proto: tcp, udp, icmp, ...); ok is false for unknown_transport and others.
func ProtoNumber(name string, v6 bool) (proto uint8, ok bool) {
	switch name {
	case "tcp":
		return ProtoTCP, true
	case "udp":
		return ProtoUDP, true
	case "icmp":
		if v6 {
			return ProtoICMPv6, true
		}
		return ProtoICMP, true
	case "sctp":
		return ProtoSCTP, true
	}
	return 0, false
}

// ID returns the version 1 Community ID ("1:" + base64 of a SHA-1) of a
// flow seen from src to dst, with the spec's seed. For ICMP and ICMPv6,
// the ports are the message's type and code, as Zeek's conn_id holds
// them; for other protocols without ports give 0.
func ID(seed uint16, src, dst netip.Addr, proto uint8, srcPort, dstPort uint16) (string, error) {
	src, dst = src.Unmap(), dst.Unmap()
	if !src.IsValid() || !dst.IsValid() {
		return "", errors.New("communityid: missing address")
	}
	if src.Is4() != dst.Is4() {
		return "", errors.New("communityid: one IPv4 and one IPv6 address")
	}
	// ICMP: a request and its reply are one flow, hashed with the
	// request's type and the reply's as the ports; any other message is
	// one-way, hashed with its type and code.
	oneWay := false
	peers := map[uint8]map[uint16]uint16{ProtoICMP: icmpv4Peers, ProtoICMPv6: icmpv6Peers}[proto]
	if peers != nil {
		if peer, ok := peers[srcPort]; ok {
			dstPort = peer
		} else {
			oneWay = true
		}
	}
	// The canonical order puts the smaller endpoint first, so that both
	// directions hash alike; a one-way message keeps its own.
	if !oneWay && !(src.Less(dst) || (src == dst && srcPort < dstPort)) {
		src, dst = dst, src
		srcPort, dstPort = dstPort, srcPort
	}
	var buf [2 + 16 + 16 + 4 + 4]byte
	b := binary.BigEndian.AppendUint16(buf[:0], seed)
	b = append(b, src.AsSlice()...)
	b = append(b, dst.AsSlice()...)
	b = append(b, proto, 0)
	b = binary.BigEndian.AppendUint16(b, srcPort)
	b = binary.BigEndian.AppendUint16(b, dstPort)
	sum := sha1.Sum(b) //nolint:gosec // the spec's hash
	return "1:" + base64.StdEncoding.EncodeToString(sum[:]), nil
}

// The ICMP message types that come in request/reply pairs, each mapped to
// its peer (the spec's port equivalents).
var (
	icmpv4Peers = map[uint16]uint16{
		8: 0, 0: 8, // echo
		13: 14, 14: 13, // timestamp
		15: 16, 16: 15, // information
		10: 9, 9: 10, // router solicitation, advertisement
		17: 18, 18: 17, // address mask
	}
	icmpv6Peers = map[uint16]uint16{
		128: 129, 129: 128, // echo
		133: 134, 134: 133, // router solicitation, advertisement
		135: 136, 136: 135, // neighbour solicitation, advertisement
		130: 131, 131: 130, // multicast listener query, report
		139: 140, 140: 139, // node information query, response
		144: 145, 145: 144, // home agent address discovery
	}
)
