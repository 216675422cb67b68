package decap

import "net/netip"

// LinkType is a pcap LINKTYPE_ value: the framing of a packet's first header.
type LinkType uint16

const (
	LinkEthernet LinkType = 1   // LINKTYPE_ETHERNET
	LinkRaw      LinkType = 101 // LINKTYPE_RAW: IPv4 or IPv6, told by the version nibble
	LinkIPv4     LinkType = 228 // LINKTYPE_IPV4
	LinkIPv6     LinkType = 229 // LINKTYPE_IPV6
)

// Encap names a tunnel format.
type Encap uint8

const (
	EncapNone Encap = iota
	EncapVXLAN
	EncapGENEVE
	EncapGRE
	EncapERSPAN1
	EncapERSPAN2
	EncapERSPAN3
	NumEncaps
)

var encapNames = [NumEncaps]string{"none", "vxlan", "geneve", "gre", "erspan1", "erspan2", "erspan3"}

func (e Encap) String() string {
	if e < NumEncaps {
		return encapNames[e]
	}
	return "unknown"
}

// MaxDepth is the most tunnel layers one Packet can record.
const MaxDepth = 4

// Tunnel describes one stripped tunnel layer.
type Tunnel struct {
	Encap Encap
	// ID is the VNI (VXLAN, GENEVE), the ERSPAN session id (II, III) or the
	// GRE key; HasID says whether the header carried one.
	ID    uint32
	HasID bool
	// Src and Dst are the addresses of the IP header that carried the tunnel;
	// SrcPort and DstPort its UDP ports (zero for GRE-based tunnels).
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	// Options holds GENEVE's raw option TLVs (see GeneveOptions); it points
	// into the decoded packet.
	Options []byte
	// VLAN is the original VLAN that ERSPAN II/III report; Seq the GRE
	// sequence number when HasSeq.
	VLAN   uint16
	Seq    uint32
	HasSeq bool
}

// Packet is the result of decapsulation. Its slices point into the decoded
// input, so it is valid only as long as that buffer is.
type Packet struct {
	// Inner is the innermost frame, with the framing InnerLink says.
	Inner     []byte
	InnerLink LinkType
	// InnerOffset is how many bytes were stripped from the front of the
	// input: the original length of the inner frame is the outer original
	// length minus InnerOffset.
	InnerOffset int
	// Layers[0:Depth] are the tunnels stripped, outermost first.
	Depth  int
	Layers [MaxDepth]Tunnel
}

// Outer is the outermost tunnel: the one whose source a sensor allowlists.
func (p *Packet) Outer() *Tunnel { return &p.Layers[0] }

// Session is the mirror session of the packet: the ID of the innermost
// tunnel that carries one. In a GENEVE→VXLAN chain (AWS Gateway Load Balancer
// in front of VPC Traffic Mirroring) that is the VXLAN VNI, which names the
// mirror session; the GENEVE layer stays readable in Layers.
func (p *Packet) Session() (id uint32, ok bool) {
	for i := p.Depth - 1; i >= 0; i-- {
		if p.Layers[i].HasID {
			return p.Layers[i].ID, true
		}
	}
	return 0, false
}

// Encap is the format of the innermost stripped tunnel.
func (p *Packet) Encap() Encap {
	if p.Depth == 0 {
		return EncapNone
	}
	return p.Layers[p.Depth-1].Encap
}

func (p *Packet) reset() {
	p.Inner = nil
	p.InnerLink = 0
	p.InnerOffset = 0
	p.Depth = 0
}
