package decap

import "encoding/binary"

// VXLAN (RFC 7348): 8 bytes, flags with the I bit (0x08) meaning the VNI is
// valid, then a 24-bit VNI. It always carries Ethernet.
const (
	vxlanHeaderLen = 8
	vxlanFlagI     = 0x08
)

func stripVXLAN(data []byte, off int, t *Tunnel) (int, LinkType, Reason) {
	if len(data) < off+vxlanHeaderLen {
		return 0, 0, ReasonTruncatedVXLAN
	}
	h := data[off:]
	if h[0]&vxlanFlagI == 0 {
		return 0, 0, ReasonVXLANFlags
	}
	t.ID, t.HasID = binary.BigEndian.Uint32(h[4:8])>>8, true
	return innerFrame(data, off+vxlanHeaderLen, LinkEthernet)
}

// innerFrame checks that the inner frame at data[off:] holds at least its
// first header, and picks LinkRaw's version from the first byte.
func innerFrame(data []byte, off int, link LinkType) (int, LinkType, Reason) {
	need := 14
	if link == LinkRaw {
		if off >= len(data) {
			return 0, 0, ReasonTruncatedInner
		}
		switch data[off] >> 4 {
		case 4:
			need = 20
		case 6:
			need = 40
		default:
			return 0, 0, ReasonBadIPVersion
		}
	}
	if len(data) < off+need {
		return 0, 0, ReasonTruncatedInner
	}
	return off, link, ReasonNone
}
