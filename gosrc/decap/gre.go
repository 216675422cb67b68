package decap

import "encoding/binary"

// GRE (RFC 2784/2890): 4 bytes of flags, version and protocol, then an
// optional checksum word, key and sequence number. ERSPAN rides on GRE and is
// told apart by the protocol field.
const (
	greFlagChecksum = 0x8000
	greFlagRouting  = 0x4000
	greFlagKey      = 0x2000
	greFlagSeq      = 0x1000
	greVersionMask  = 0x0007

	greProtoERSPAN12 = 0x88BE // type I without a sequence number, type II with one
	greProtoERSPAN3  = 0x22EB
)

func stripGRE(data []byte, off int, t *Tunnel) (int, LinkType, Reason) {
	if len(data) < off+4 {
		return 0, 0, ReasonTruncatedGRE
	}
	flags := binary.BigEndian.Uint16(data[off:])
	// Version 1 is PPTP's enhanced GRE; the routing bit is RFC 1701 source
	// routing. Neither is used for mirroring.
	if flags&greVersionMask != 0 || flags&greFlagRouting != 0 {
		return 0, 0, ReasonGREVersion
	}
	proto := binary.BigEndian.Uint16(data[off+2:])
	hl := 4
	if flags&greFlagChecksum != 0 {
		hl += 4
	}
	if flags&greFlagKey != 0 {
		if len(data) < off+hl+4 {
			return 0, 0, ReasonTruncatedGRE
		}
		t.ID, t.HasID = binary.BigEndian.Uint32(data[off+hl:]), true
		hl += 4
	}
	if flags&greFlagSeq != 0 {
		if len(data) < off+hl+4 {
			return 0, 0, ReasonTruncatedGRE
		}
		t.Seq, t.HasSeq = binary.BigEndian.Uint32(data[off+hl:]), true
		hl += 4
	}
	if len(data) < off+hl {
		return 0, 0, ReasonTruncatedGRE
	}
	off += hl
	switch proto {
	case greProtoERSPAN12:
		// The session id is ERSPAN's own, not the GRE key.
		t.ID, t.HasID = 0, false
		if !t.HasSeq {
			t.Encap = EncapERSPAN1
			return innerFrame(data, off, LinkEthernet)
		}
		t.Encap = EncapERSPAN2
		return stripERSPAN2(data, off, t)
	case greProtoERSPAN3:
		t.ID, t.HasID = 0, false
		t.Encap = EncapERSPAN3
		return stripERSPAN3(data, off, t)
	}
	link, ok := linkOfEtherType(proto)
	if !ok {
		return 0, 0, ReasonGREProtocol
	}
	return innerFrame(data, off, link)
}
