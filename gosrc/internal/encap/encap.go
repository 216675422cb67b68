// Package encap wraps frames in the tunnels that package decap strips: the
// traffic-mirror side of cloudtap, used by `cloudtap replay` and by tests.
//
// AppendHeader writes only the tunnel header (what follows the outer UDP or
// IP header), which is what a UDP or raw IP socket sends; Frame builds a whole
// outer Ethernet frame for capture files.
package encap

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Format is a tunnel to wrap frames in.
type Format uint8

const (
	VXLAN Format = iota + 1
	GENEVE
	GRE     // GRE carrying Ethernet (transparent Ethernet bridging, 0x6558)
	ERSPAN1 // GRE 0x88BE without a sequence number, no ERSPAN header
	ERSPAN2
	ERSPAN3
	GREUDP // GRE-in-UDP (RFC 8086): GRE carrying Ethernet, over UDP 4754
)

var formatNames = map[Format]string{
	VXLAN: "vxlan", GENEVE: "geneve", GRE: "gre", ERSPAN1: "erspan1", ERSPAN2: "erspan2", ERSPAN3: "erspan3",
	GREUDP: "greudp",
}

func (f Format) String() string {
	if n, ok := formatNames[f]; ok {
		return n
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

// ParseFormat reads a format name as the command line gives it.
func ParseFormat(s string) (Format, error) {
	for f, n := range formatNames {
		if strings.EqualFold(s, n) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown encapsulation %q (want vxlan, geneve, greudp, gre, erspan1, erspan2 or erspan3)", s)
}

// OverUDP says whether the format rides on UDP (else on IP protocol 47).
func (f Format) OverUDP() bool { return f == VXLAN || f == GENEVE || f == GREUDP }

// DefaultPort is the IANA UDP port of a UDP format, 0 for GRE formats.
func (f Format) DefaultPort() uint16 {
	switch f {
	case VXLAN:
		return 4789
	case GENEVE:
		return 6081
	case GREUDP:
		return 4754
	}
	return 0
}

// Header describes the tunnel header to write.
type Header struct {
	Format Format
	// ID is the VNI (VXLAN, GENEVE: 24 bits), the GRE key (GRE: written
	// only when HasKey) or the ERSPAN session id (10 bits).
	ID     uint32
	HasKey bool
	// Seq is the GRE sequence number (always written for ERSPAN II/III).
	Seq uint32
	// VLAN is ERSPAN's original VLAN; Options GENEVE's raw option TLVs
	// (a multiple of 4 bytes, at most 252).
	VLAN    uint16
	Options []byte
	// InnerIP says the inner frame is an IP packet rather than Ethernet
	// (GENEVE, GRE, ERSPAN III only).
	InnerIP  bool
	InnerIP6 bool
	// Platform adds ERSPAN III's 8-byte platform sub-header.
	Platform bool
}

// Check reports a header that cannot be written.
func (h *Header) Check() error {
	switch h.Format {
	case VXLAN, GENEVE:
		if h.ID > 0xffffff {
			return fmt.Errorf("%v: VNI %d exceeds 24 bits", h.Format, h.ID)
		}
	case ERSPAN2, ERSPAN3:
		if h.ID > 0x3ff {
			return fmt.Errorf("%v: session id %d exceeds 10 bits", h.Format, h.ID)
		}
		if h.VLAN > 0xfff {
			return fmt.Errorf("%v: VLAN %d exceeds 12 bits", h.Format, h.VLAN)
		}
	case GRE, GREUDP, ERSPAN1:
	default:
		return fmt.Errorf("encap: unknown format %d", h.Format)
	}
	if len(h.Options) > 0 && (h.Format != GENEVE || len(h.Options)%4 != 0 || len(h.Options) > 252) {
		return fmt.Errorf("%v: options must be GENEVE's, a multiple of 4 bytes, at most 252", h.Format)
	}
	if h.InnerIP && (h.Format == VXLAN || h.Format == ERSPAN1 || h.Format == ERSPAN2) {
		return fmt.Errorf("%v carries only Ethernet", h.Format)
	}
	return nil
}

func (h *Header) etherType() uint16 {
	switch {
	case !h.InnerIP:
		return 0x6558
	case h.InnerIP6:
		return 0x86DD
	}
	return 0x0800
}

// AppendHeader appends the tunnel header to dst. It does not check h: call
// Check once per configuration.
func AppendHeader(dst []byte, h *Header) []byte {
	be := binary.BigEndian
	switch h.Format {
	case VXLAN:
		dst = append(dst, 0x08, 0, 0, 0)
		return be.AppendUint32(dst, h.ID<<8)
	case GENEVE:
		dst = append(dst, byte(len(h.Options)/4), 0)
		dst = be.AppendUint16(dst, h.etherType())
		dst = be.AppendUint32(dst, h.ID<<8)
		return append(dst, h.Options...)
	case GRE, GREUDP:
		if h.HasKey {
			dst = be.AppendUint16(dst, 0x2000)
			dst = be.AppendUint16(dst, h.etherType())
			return be.AppendUint32(dst, h.ID)
		}
		dst = be.AppendUint16(dst, 0)
		return be.AppendUint16(dst, h.etherType())
	case ERSPAN1:
		return append(dst, 0, 0, 0x88, 0xBE)
	case ERSPAN2:
		dst = append(dst, 0x10, 0, 0x88, 0xBE)
		dst = be.AppendUint32(dst, h.Seq)
		dst = be.AppendUint16(dst, 1<<12|h.VLAN)
		dst = be.AppendUint16(dst, uint16(h.ID&0x3ff))
		return be.AppendUint32(dst, 0) // reserved and index
	case ERSPAN3:
		dst = append(dst, 0x10, 0, 0x22, 0xEB)
		dst = be.AppendUint32(dst, h.Seq)
		dst = be.AppendUint16(dst, 2<<12|h.VLAN)
		dst = be.AppendUint16(dst, uint16(h.ID&0x3ff))
		dst = be.AppendUint32(dst, 0) // timestamp
		var w uint16
		if h.InnerIP {
			w |= 2 << 10 // frame type: IP
		}
		if h.Platform {
			w |= 1
		}
		dst = be.AppendUint16(dst, 0) // security group tag
		dst = be.AppendUint16(dst, w)
		if h.Platform {
			dst = append(dst, 0x0c, 0, 0, 0, 0, 0, 0, 0) // platform id 3, no timestamp extension
		}
		return dst
	}
	return dst
}
