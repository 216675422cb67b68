package decap

import "encoding/binary"

// GENEVE (RFC 8926): 8 fixed bytes (version, option length in 4-byte words,
// flags, protocol type, 24-bit VNI) followed by option TLVs.
const geneveHeaderLen = 8

func stripGENEVE(data []byte, off int, t *Tunnel) (int, LinkType, Reason) {
	if len(data) < off+geneveHeaderLen {
		return 0, 0, ReasonTruncatedGENEVE
	}
	h := data[off:]
	if h[0]>>6 != 0 {
		return 0, 0, ReasonGENEVEVersion
	}
	optEnd := off + geneveHeaderLen + int(h[0]&0x3f)*4
	if len(data) < optEnd {
		return 0, 0, ReasonTruncatedGENEVE
	}
	t.ID, t.HasID = binary.BigEndian.Uint32(h[4:8])>>8, true
	t.Options = data[off+geneveHeaderLen : optEnd]
	link, ok := linkOfEtherType(binary.BigEndian.Uint16(h[2:4]))
	if !ok {
		return 0, 0, ReasonGENEVEProtocol
	}
	return innerFrame(data, optEnd, link)
}

// linkOfEtherType maps the protocol field of GENEVE and GRE to the framing
// of what follows.
func linkOfEtherType(etherType uint16) (LinkType, bool) {
	switch etherType {
	case etherTypeTEB:
		return LinkEthernet, true
	case etherTypeIPv4, etherTypeIPv6:
		return LinkRaw, true
	}
	return 0, false
}

// GeneveOption is one option TLV: class, type (its top bit is the
// "critical" flag) and data.
type GeneveOption struct {
	Class uint16
	Type  uint8
	Data  []byte
}

// Critical says whether a receiver that does not understand the option must
// drop the packet (RFC 8926 §3.5).
func (o GeneveOption) Critical() bool { return o.Type&0x80 != 0 }

// GeneveOptions iterates over raw option TLVs (Tunnel.Options) without
// allocating:
//
//	it := decap.GeneveOptions(t.Options)
//	for o, ok := it.Next(); ok; o, ok = it.Next() { ... }
//
// Err reports a TLV that ran past the end, after Next returned false.
type GeneveOptionIter struct {
	rest []byte
	bad  bool
}

func GeneveOptions(raw []byte) GeneveOptionIter { return GeneveOptionIter{rest: raw} }

func (it *GeneveOptionIter) Next() (GeneveOption, bool) {
	if len(it.rest) == 0 {
		return GeneveOption{}, false
	}
	if len(it.rest) < 4 {
		it.bad, it.rest = true, nil
		return GeneveOption{}, false
	}
	n := 4 + int(it.rest[3]&0x1f)*4
	if len(it.rest) < n {
		it.bad, it.rest = true, nil
		return GeneveOption{}, false
	}
	o := GeneveOption{
		Class: binary.BigEndian.Uint16(it.rest[0:2]),
		Type:  it.rest[2],
		Data:  it.rest[4:n],
	}
	it.rest = it.rest[n:]
	return o, true
}

func (it *GeneveOptionIter) Err() error {
	if it.bad {
		return ReasonTruncatedGENEVE
	}
	return nil
}

// AWS Gateway Load Balancer's GENEVE options (class 0x0108): the endpoint
// and attachment that sent the packet and a cookie naming its flow.
const (
	GeneveClassAWS      = 0x0108
	awsTypeGWLBEndpoint = 1
	awsTypeAttachment   = 2
	awsTypeFlowCookie   = 3
)

// AWSGWLB is what an AWS Gateway Load Balancer tells a target in GENEVE.
type AWSGWLB struct {
	EndpointID   uint64 // the VPC endpoint of the GWLB (vpce-<hex>)
	AttachmentID uint64 // the attachment (0 when not sent)
	FlowCookie   uint32
}

// ParseAWSGWLB extracts the AWS options; ok is false when the endpoint
// option is absent, i.e. the packet did not come from a GWLB.
func ParseAWSGWLB(raw []byte) (g AWSGWLB, ok bool) {
	it := GeneveOptions(raw)
	for o, more := it.Next(); more; o, more = it.Next() {
		if o.Class != GeneveClassAWS {
			continue
		}
		switch o.Type &^ 0x80 {
		case awsTypeGWLBEndpoint:
			if len(o.Data) >= 8 {
				g.EndpointID, ok = binary.BigEndian.Uint64(o.Data), true
			}
		case awsTypeAttachment:
			if len(o.Data) >= 8 {
				g.AttachmentID = binary.BigEndian.Uint64(o.Data)
			}
		case awsTypeFlowCookie:
			if len(o.Data) >= 4 {
				g.FlowCookie = binary.BigEndian.Uint32(o.Data)
			}
		}
	}
	return g, ok
}
