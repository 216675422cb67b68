package flowhash

import (
	"math/rand/v2"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/bpf"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

type flow struct {
	src, dst     net.IP
	sport, dport uint16
	proto        layers.IPProtocol
	fragment     bool
	vlans        int
}

func (f flow) reversed() flow {
	f.src, f.dst, f.sport, f.dport = f.dst, f.src, f.dport, f.sport
	return f
}

// frame builds the flow's packet as Ethernet with gopacket.
func (f flow) frame(t testing.TB) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: []byte{2, 0, 0, 0, 0, 1}, DstMAC: []byte{2, 0, 0, 0, 0, 2}}
	stack := []gopacket.SerializableLayer{eth}
	etherType := layers.EthernetTypeIPv4
	if f.src.To4() == nil {
		etherType = layers.EthernetTypeIPv6
	}
	eth.EthernetType = etherType
	if f.vlans > 0 {
		eth.EthernetType = layers.EthernetTypeDot1Q
		for i := 0; i < f.vlans; i++ {
			next := layers.EthernetTypeDot1Q
			if i == f.vlans-1 {
				next = etherType
			}
			stack = append(stack, &layers.Dot1Q{VLANIdentifier: uint16(10 + i), Type: next})
		}
	}
	var nl gopacket.NetworkLayer
	if etherType == layers.EthernetTypeIPv4 {
		ip := &layers.IPv4{Version: 4, TTL: 9, Protocol: f.proto, SrcIP: f.src, DstIP: f.dst}
		if f.fragment {
			ip.Flags = layers.IPv4MoreFragments
		}
		nl = ip
		stack = append(stack, ip)
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 9, NextHeader: f.proto, SrcIP: f.src, DstIP: f.dst}
		if f.fragment {
			ip.NextHeader = layers.IPProtocolIPv6Fragment
			nl = ip
			stack = append(stack, ip, &layers.IPv6Fragment{NextHeader: f.proto, MoreFragments: true, Identification: 7})
		} else {
			nl = ip
			stack = append(stack, ip)
		}
	}
	switch f.proto {
	case layers.IPProtocolTCP:
		tcp := &layers.TCP{SrcPort: layers.TCPPort(f.sport), DstPort: layers.TCPPort(f.dport), Window: 1}
		require.NoError(t, tcp.SetNetworkLayerForChecksum(nl))
		stack = append(stack, tcp)
	case layers.IPProtocolUDP:
		udp := &layers.UDP{SrcPort: layers.UDPPort(f.sport), DstPort: layers.UDPPort(f.dport)}
		require.NoError(t, udp.SetNetworkLayerForChecksum(nl))
		stack = append(stack, udp)
	}
	stack = append(stack, gopacket.Payload("x"))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, stack...))
	return buf.Bytes()
}

func randomFlows(n int) []flow {
	r := rand.New(rand.NewPCG(1, 2))
	protos := []layers.IPProtocol{layers.IPProtocolTCP, layers.IPProtocolUDP, layers.IPProtocolICMPv4}
	var flows []flow
	for i := 0; i < n; i++ {
		f := flow{sport: uint16(r.IntN(65536)), dport: uint16(r.IntN(65536)), proto: protos[r.IntN(len(protos))], vlans: r.IntN(3), fragment: r.IntN(8) == 0}
		if r.IntN(2) == 0 {
			f.src, f.dst = net.IPv4(10, byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))).To4(), net.IPv4(172, 16, byte(r.IntN(256)), byte(r.IntN(256))).To4()
		} else {
			f.src, f.dst = make(net.IP, 16), make(net.IP, 16)
			for k := range f.src {
				f.src[k], f.dst[k] = byte(r.IntN(256)), byte(r.IntN(256))
			}
			if f.proto == layers.IPProtocolICMPv4 {
				f.proto = layers.IPProtocolICMPv6
			}
		}
		flows = append(flows, f)
	}
	return flows
}

func TestHashIsSymmetric(t *testing.T) {
	for _, f := range randomFlows(500) {
		a := Hash(f.frame(t), decap.LinkEthernet)
		b := Hash(f.reversed().frame(t), decap.LinkEthernet)
		require.Equal(t, a, b, "flow %+v", f)
		require.NotZero(t, a, "flow %+v", f)
	}
}

func TestFragmentsHashByThreeTuple(t *testing.T) {
	for _, f := range randomFlows(200) {
		if f.proto != layers.IPProtocolTCP && f.proto != layers.IPProtocolUDP {
			continue
		}
		f.fragment = true
		other := f
		other.sport, other.dport = f.sport+1, f.dport+7
		assert.Equal(t, Hash(f.frame(t), decap.LinkEthernet), Hash(other.frame(t), decap.LinkEthernet),
			"fragments of %+v depend on ports", f)
	}
}

func TestRawAndEthernetAgree(t *testing.T) {
	for _, f := range randomFlows(100) {
		f.vlans = 0
		fr := f.frame(t)
		assert.Equal(t, Hash(fr, decap.LinkEthernet), Hash(fr[14:], decap.LinkRaw))
	}
}

// realFrames are the frames of the shared plain captures.
func realFrames(t *testing.T) [][]byte {
	var out [][]byte
	for _, name := range []string{"inner/ssh.trace", "inner/206_example_b.pcap", "inner/smtp.trace", "inner/dns53.pcap"} {
		frames, _ := traces.Read(t, name)
		for _, f := range frames {
			out = append(out, f.Data)
		}
	}
	return out
}

func runVM(t *testing.T, raw []bpf.RawInstruction, in []byte) uint32 {
	t.Helper()
	ins, ok := bpf.Disassemble(raw)
	require.True(t, ok)
	vm, err := bpf.NewVM(ins)
	require.NoError(t, err)
	out, err := vm.Run(in)
	require.NoError(t, err)
	return uint32(out)
}

func TestBPFMatchesGo(t *testing.T) {
	var frames [][]byte
	for _, f := range randomFlows(300) {
		frames = append(frames, f.frame(t))
	}
	frames = append(frames, realFrames(t)...)
	arp := make([]byte, 42)
	arp[12], arp[13] = 0x08, 0x06
	frames = append(frames, arp)
	// Every cut of one TCP frame exercises the "header cut short" paths.
	tcp := flow{src: net.IPv4(1, 2, 3, 4).To4(), dst: net.IPv4(5, 6, 7, 8).To4(), sport: 1, dport: 2, proto: layers.IPProtocolTCP, vlans: 1}.frame(t)
	for n := 0; n < len(tcp); n++ {
		frames = append(frames, tcp[:n])
	}

	vxlan, err := ReuseportProgram(decap.EncapVXLAN, 0)
	require.NoError(t, err)
	geneve, err := ReuseportProgram(decap.EncapGENEVE, 0)
	require.NoError(t, err)
	greudp, err := ReuseportProgram(decap.EncapGRE, 0)
	require.NoError(t, err)
	for i, fr := range frames {
		// GRE-in-UDP with each combination of checksum, key and sequence number.
		flags := []byte{0, 0x80, 0x20, 0x10, 0xb0}[i%5]
		gre := []byte{flags, 0, 0x65, 0x58}
		for _, bit := range []byte{0x80, 0x20, 0x10} {
			if flags&bit != 0 {
				gre = append(gre, 1, 2, 3, 4)
			}
		}
		require.Equal(t, Hash(fr, decap.LinkEthernet), runVM(t, greudp, append(gre, fr...)), "frame %d via GRE-in-UDP, flags %#x", i, flags)
		want := Hash(fr, decap.LinkEthernet)
		if len(fr) > 14 && fr[12] == 0x08 && fr[13] == 0x00 {
			gip := append([]byte{0x20, 0, 0x08, 0x00, 0, 0, 0, 42}, fr[14:]...)
			require.Equal(t, Hash(fr[14:], decap.LinkRaw), runVM(t, greudp, gip), "frame %d via GRE-in-UDP as IP", i)
		}
		vx := append(encap.AppendHeader(nil, &encap.Header{Format: encap.VXLAN, ID: 1}), fr...)
		require.Equal(t, want, runVM(t, vxlan, vx), "frame %d via VXLAN", i)
		gn := append(encap.AppendHeader(nil, &encap.Header{Format: encap.GENEVE, Options: make([]byte, 4*(i%4))}), fr...)
		require.Equal(t, want, runVM(t, geneve, gn), "frame %d via GENEVE", i)
		if len(fr) > 14 && fr[12] == 0x08 && fr[13] == 0x00 || len(fr) > 14 && fr[12] == 0x86 && fr[13] == 0xdd {
			gip := append(encap.AppendHeader(nil, &encap.Header{Format: encap.GENEVE, InnerIP: true, InnerIP6: fr[12] == 0x86}), fr[14:]...)
			require.Equal(t, Hash(fr[14:], decap.LinkRaw), runVM(t, geneve, gip), "frame %d via GENEVE as IP", i)
		}
	}
}

func TestBPFSteersLikeWorker(t *testing.T) {
	for _, n := range []int{2, 3, 8} {
		prog, err := ReuseportProgram(decap.EncapVXLAN, n)
		require.NoError(t, err)
		seen := make([]int, n)
		for _, fr := range realFrames(t) {
			vx := append(encap.AppendHeader(nil, &encap.Header{Format: encap.VXLAN, ID: 1}), fr...)
			w := runVM(t, prog, vx)
			require.Equal(t, Worker(Hash(fr, decap.LinkEthernet), n), int(w))
			seen[w]++
		}
		for w, c := range seen {
			assert.NotZero(t, c, "%d workers: worker %d got no packets of the real captures", n, w)
		}
	}
	_, err := ReuseportProgram(decap.EncapERSPAN2, 2)
	assert.Error(t, err)
}
