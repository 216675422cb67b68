package decap

import (
	"fmt"
	"net/netip"
)

// Well-known tunnel ports.
const (
	PortVXLAN  uint16 = 4789
	PortGENEVE uint16 = 6081
	// PortGREUDP is GRE-in-UDP's (RFC 8086).
	PortGREUDP uint16 = 4754
)

// Config tunes a Decoder. The zero value is not useful; start from
// DefaultConfig.
type Config struct {
	// VXLANPorts and GENEVEPorts are the UDP destination ports recognised as
	// tunnels when decoding whole frames (capture files, nested tunnels).
	// A UDP listener knows its format and does not consult them.
	VXLANPorts  []uint16
	GENEVEPorts []uint16
	// GREUDPPorts are those recognised as GRE-in-UDP (RFC 8086): a GRE
	// header right after the UDP header.
	GREUDPPorts []uint16
	// MaxDepth is how many nested tunnels to strip (1..MaxDepth). Two strips
	// a GENEVE→VXLAN mirror chain; deeper tunnels are left for Zeek, which
	// decapsulates them itself and logs them in tunnel.log.
	MaxDepth int
}

// DefaultConfig recognises the IANA ports and strips up to two tunnels.
func DefaultConfig() Config {
	return Config{
		VXLANPorts:  []uint16{PortVXLAN},
		GENEVEPorts: []uint16{PortGENEVE},
		GREUDPPorts: []uint16{PortGREUDP},
		MaxDepth:    2,
	}
}

// portSet is a bitmap of UDP ports: one lookup per packet, no hashing.
type portSet [65536 / 64]uint64

func (s *portSet) add(p uint16)      { s[p>>6] |= 1 << (p & 63) }
func (s *portSet) has(p uint16) bool { return s[p>>6]&(1<<(p&63)) != 0 }
func newPortSet(ports []uint16) (s portSet) {
	for _, p := range ports {
		s.add(p)
	}
	return s
}

// Decoder strips tunnels. It holds only its configuration, so one Decoder
// may be shared by goroutines.
type Decoder struct {
	vxlan, geneve, greudp portSet
	maxDepth              int
}

// NewDecoder checks cfg and builds a Decoder.
func NewDecoder(cfg Config) (*Decoder, error) {
	if cfg.MaxDepth < 1 || cfg.MaxDepth > MaxDepth {
		return nil, fmt.Errorf("decap: depth %d out of range 1..%d", cfg.MaxDepth, MaxDepth)
	}
	owner := map[uint16]string{}
	for _, set := range []struct {
		name  string
		ports []uint16
	}{{"VXLAN", cfg.VXLANPorts}, {"GENEVE", cfg.GENEVEPorts}, {"GRE-in-UDP", cfg.GREUDPPorts}} {
		for _, p := range set.ports {
			if o, ok := owner[p]; ok && o != set.name {
				return nil, fmt.Errorf("decap: UDP port %d configured for both %s and %s", p, o, set.name)
			}
			owner[p] = set.name
		}
	}
	return &Decoder{
		vxlan:    newPortSet(cfg.VXLANPorts),
		geneve:   newPortSet(cfg.GENEVEPorts),
		greudp:   newPortSet(cfg.GREUDPPorts),
		maxDepth: cfg.MaxDepth,
	}, nil
}

// DecodeFrame decapsulates a whole captured frame (from a capture file or a
// packet socket) whose first header has the given link type.
func (d *Decoder) DecodeFrame(data []byte, link LinkType, p *Packet) error {
	p.reset()
	loc, r := d.locate(data, 0, link)
	if r != ReasonNone {
		return r
	}
	return d.strip(loc, p)
}

// DecodeUDPPayload decapsulates the payload of a UDP datagram received on a
// socket, where the kernel has already removed the outer IP and UDP headers.
// enc must be EncapVXLAN, EncapGENEVE, or EncapGRE for GRE-in-UDP.
func (d *Decoder) DecodeUDPPayload(payload []byte, enc Encap, src, dst netip.AddrPort, p *Packet) error {
	p.reset()
	return d.strip(tunnelAt{
		data: payload, encap: enc,
		src: src.Addr(), dst: dst.Addr(), srcPort: src.Port(), dstPort: dst.Port(),
	}, p)
}

// DecodeGRE decapsulates a GRE packet whose GRE header starts at payload[0],
// as an IPv6 raw socket delivers it (IPv4 raw sockets include the IP header:
// use DecodeFrame with LinkRaw for those).
func (d *Decoder) DecodeGRE(payload []byte, src, dst netip.Addr, p *Packet) error {
	p.reset()
	return d.strip(tunnelAt{data: payload, encap: EncapGRE, src: src, dst: dst}, p)
}

// tunnelAt is a tunnel header found by locate: data[off:] starts with it.
// data keeps the start of the decoded input (so offsets are absolute) and
// ends where the enclosing IP or UDP length says, dropping link padding.
type tunnelAt struct {
	data             []byte
	off              int
	encap            Encap // EncapVXLAN, EncapGENEVE or EncapGRE (ERSPAN is told apart while stripping)
	src, dst         netip.Addr
	srcPort, dstPort uint16
}

// strip removes the tunnel at loc and then every nested tunnel up to the
// configured depth. A nested layer that fails to parse is not an error: the
// frame stripped so far is delivered, as Zeek would see it without us.
func (d *Decoder) strip(loc tunnelAt, p *Packet) error {
	for {
		t := &p.Layers[p.Depth]
		t.Encap, t.ID, t.HasID, t.Options, t.VLAN, t.Seq, t.HasSeq = loc.encap, 0, false, nil, 0, 0, false
		t.Src, t.Dst, t.SrcPort, t.DstPort = loc.src, loc.dst, loc.srcPort, loc.dstPort
		innerOff, innerLink, r := stripOne(loc.data, loc.off, t)
		if r != ReasonNone {
			if p.Depth > 0 {
				return nil
			}
			return r
		}
		p.Depth++
		p.Inner, p.InnerLink = loc.data[innerOff:], innerLink
		p.InnerOffset = innerOff
		if p.Depth >= d.maxDepth {
			return nil
		}
		next, r := d.locate(loc.data, innerOff, innerLink)
		if r != ReasonNone {
			return nil
		}
		loc = next
	}
}

// stripOne parses one tunnel header at data[off:] into t and says where the
// inner frame starts.
func stripOne(data []byte, off int, t *Tunnel) (int, LinkType, Reason) {
	switch t.Encap {
	case EncapVXLAN:
		return stripVXLAN(data, off, t)
	case EncapGENEVE:
		return stripGENEVE(data, off, t)
	default:
		return stripGRE(data, off, t)
	}
}
