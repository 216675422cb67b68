package encap

import (
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Outer is the outer IP (and UDP) envelope of a whole tunnelled frame.
type Outer struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16 // UDP formats; DstPort 0 means the format's IANA port
}

// Frame returns a whole Ethernet frame: outer Ethernet, IPv4 or IPv6, UDP or
// GRE, the tunnel header and the inner frame. gopacket writes the outer
// headers with correct lengths and checksums.
func Frame(o Outer, h *Header, inner []byte) ([]byte, error) {
	if err := h.Check(); err != nil {
		return nil, err
	}
	if o.Src.Is4() != o.Dst.Is4() {
		return nil, fmt.Errorf("encap: outer addresses %v and %v are of different families", o.Src, o.Dst)
	}
	payload := append(AppendHeader(nil, h), inner...)
	eth := &layers.Ethernet{
		SrcMAC: []byte{0x02, 0, 0, 0, 0, 1}, DstMAC: []byte{0x02, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetTypeIPv4,
	}
	proto := layers.IPProtocolGRE
	if h.Format.OverUDP() {
		proto = layers.IPProtocolUDP
	}
	var ip gopacket.NetworkLayer
	var ipLayer gopacket.SerializableLayer
	if o.Src.Is4() {
		v4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: o.Src.AsSlice(), DstIP: o.Dst.AsSlice()}
		ip, ipLayer = v4, v4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		v6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: o.Src.AsSlice(), DstIP: o.Dst.AsSlice()}
		ip, ipLayer = v6, v6
	}
	stack := []gopacket.SerializableLayer{eth, ipLayer}
	if h.Format.OverUDP() {
		dport := o.DstPort
		if dport == 0 {
			dport = h.Format.DefaultPort()
		}
		udp := &layers.UDP{SrcPort: layers.UDPPort(o.SrcPort), DstPort: layers.UDPPort(dport)}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			return nil, fmt.Errorf("encap: %w", err)
		}
		stack = append(stack, udp)
	}
	stack = append(stack, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, stack...); err != nil {
		return nil, fmt.Errorf("encap: serializing outer headers: %w", err)
	}
	return buf.Bytes(), nil
}
