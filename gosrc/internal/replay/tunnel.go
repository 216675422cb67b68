package replay

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TunnelPayload finds, in a captured Ethernet frame of mirrored traffic,
// what SendTunnel resends: the UDP payload when overUDP (VXLAN, GENEVE),
// else the payload of an IP packet carrying GRE. ok is false for frames
// that carry no such tunnel (ARP, other traffic in the capture).
func TunnelPayload(frame []byte, overUDP bool) (payload []byte, ok bool) {
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	if overUDP {
		if udp, isUDP := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); isUDP {
			return udp.Payload, true
		}
		return nil, false
	}
	if ip, isV4 := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); isV4 && ip.Protocol == layers.IPProtocolGRE {
		return ip.Payload, true
	}
	if ip, isV6 := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6); isV6 && ip.NextHeader == layers.IPProtocolGRE {
		return ip.Payload, true
	}
	return nil, false
}
