package decap

import "encoding/binary"

// ERSPAN type II (8 bytes) and type III (12 bytes, plus an 8-byte platform
// sub-header when the O flag is set), per the IETF draft
// draft-foschiano-erspan. Both begin with a 4-bit version (1 for II, 2 for
// III), the original VLAN, and a 10-bit session id in the second half-word.
const (
	erspan2HeaderLen   = 8
	erspan3HeaderLen   = 12
	erspan3PlatformLen = 8

	erspanVersion2 = 1
	erspanVersion3 = 2

	erspan3FrameEthernet = 0
	erspan3FrameIP       = 2
)

func erspanCommon(h []byte, t *Tunnel) {
	t.VLAN = binary.BigEndian.Uint16(h[0:2]) & 0x0fff
	t.ID, t.HasID = uint32(binary.BigEndian.Uint16(h[2:4])&0x03ff), true
}

func stripERSPAN2(data []byte, off int, t *Tunnel) (int, LinkType, Reason) {
	if len(data) < off+erspan2HeaderLen {
		return 0, 0, ReasonTruncatedERSPAN
	}
	h := data[off:]
	if h[0]>>4 != erspanVersion2 {
		return 0, 0, ReasonERSPANVersion
	}
	erspanCommon(h, t)
	return innerFrame(data, off+erspan2HeaderLen, LinkEthernet)
}

func stripERSPAN3(data []byte, off int, t *Tunnel) (int, LinkType, Reason) {
	if len(data) < off+erspan3HeaderLen {
		return 0, 0, ReasonTruncatedERSPAN
	}
	h := data[off:]
	if h[0]>>4 != erspanVersion3 {
		return 0, 0, ReasonERSPANVersion
	}
	erspanCommon(h, t)
	// Low half of the third word: P(1) FT(5) HW ID(6) D(1) Gra(2) O(1).
	w := binary.BigEndian.Uint16(h[10:12])
	hl := erspan3HeaderLen
	if w&1 != 0 {
		hl += erspan3PlatformLen
	}
	var link LinkType
	switch (w >> 10) & 0x1f {
	case erspan3FrameEthernet:
		link = LinkEthernet
	case erspan3FrameIP:
		link = LinkRaw
	default:
		return 0, 0, ReasonERSPANFrameType
	}
	if len(data) < off+hl {
		return 0, 0, ReasonTruncatedERSPAN
	}
	return innerFrame(data, off+hl, link)
}
