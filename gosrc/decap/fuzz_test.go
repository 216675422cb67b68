package decap

import (
	"net/netip"
	"testing"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// checkResult holds whatever Decode returned to the invariants every input
// must keep: a Reason on failure; on success, an inner frame that lies
// inside the input at InnerOffset and a depth within bounds.
func checkResult(t *testing.T, in []byte, p *Packet, err error) {
	if err != nil {
		if r, ok := err.(Reason); !ok || r == ReasonNone || r >= NumReasons {
			t.Fatalf("error %v (%T) is not a Reason", err, err)
		}
		return
	}
	if p.Depth < 1 || p.Depth > MaxDepth {
		t.Fatalf("depth %d", p.Depth)
	}
	if p.InnerOffset < 0 || p.InnerOffset+len(p.Inner) > len(in) {
		t.Fatalf("inner [%d:+%d] outside input of %d", p.InnerOffset, len(p.Inner), len(in))
	}
	if len(p.Inner) > 0 && &in[p.InnerOffset] != &p.Inner[0] {
		t.Fatal("inner frame does not alias the input at InnerOffset")
	}
	if p.InnerLink != LinkEthernet && p.InnerLink != LinkRaw {
		t.Fatalf("inner link %d", p.InnerLink)
	}
	for i := 0; i < p.Depth; i++ {
		it := GeneveOptions(p.Layers[i].Options)
		for _, ok := it.Next(); ok; _, ok = it.Next() {
		}
		_ = it.Err()
	}
}

func seedTunnels(f *testing.F, fn func(h encap.Header, inner []byte)) {
	inner := innerEthernet(f, 20)
	for _, h := range []encap.Header{
		{Format: encap.VXLAN, ID: 1}, {Format: encap.GENEVE, ID: 2, Options: make([]byte, 12)},
		{Format: encap.GRE, HasKey: true, ID: 3}, {Format: encap.ERSPAN1}, {Format: encap.ERSPAN2, ID: 4},
		{Format: encap.ERSPAN3, ID: 5, Platform: true},
	} {
		fn(h, inner)
	}
}

func FuzzDecodeFrame(f *testing.F) {
	for _, tc := range traceFacts {
		frames, _ := traces.Read(f, tc.file)
		f.Add(frames[0].Data, uint16(LinkEthernet))
	}
	seedTunnels(f, func(h encap.Header, inner []byte) {
		fr, err := encap.Frame(outer6, &h, inner)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fr, uint16(LinkEthernet))
		f.Add(fr[14:], uint16(LinkRaw))
	})
	d, _ := NewDecoder(Config{VXLANPorts: []uint16{PortVXLAN}, GENEVEPorts: []uint16{PortGENEVE}, MaxDepth: MaxDepth})
	f.Fuzz(func(t *testing.T, in []byte, link uint16) {
		var p Packet
		checkResult(t, in, &p, d.DecodeFrame(in, LinkType(link), &p))
	})
}

func fuzzUDP(f *testing.F, want encap.Format, enc Encap) {
	seedTunnels(f, func(h encap.Header, inner []byte) {
		if h.Format == want {
			f.Add(append(encap.AppendHeader(nil, &h), inner...))
		}
	})
	d, _ := NewDecoder(DefaultConfig())
	src, dst := netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.2:2")
	f.Fuzz(func(t *testing.T, in []byte) {
		var p Packet
		checkResult(t, in, &p, d.DecodeUDPPayload(in, enc, src, dst, &p))
	})
}

func FuzzVXLAN(f *testing.F)  { fuzzUDP(f, encap.VXLAN, EncapVXLAN) }
func FuzzGENEVE(f *testing.F) { fuzzUDP(f, encap.GENEVE, EncapGENEVE) }

func FuzzGRE(f *testing.F) {
	seedTunnels(f, func(h encap.Header, inner []byte) {
		if !h.Format.OverUDP() {
			f.Add(append(encap.AppendHeader(nil, &h), inner...))
		}
	})
	d, _ := NewDecoder(DefaultConfig())
	src, dst := netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2")
	f.Fuzz(func(t *testing.T, in []byte) {
		var p Packet
		checkResult(t, in, &p, d.DecodeGRE(in, src, dst, &p))
	})
}

func FuzzGeneveOptions(f *testing.F) {
	f.Add([]byte{0x01, 0x08, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		it := GeneveOptions(raw)
		total := 0
		for o, ok := it.Next(); ok; o, ok = it.Next() {
			total += 4 + len(o.Data)
		}
		if it.Err() == nil && total != len(raw) {
			t.Fatalf("options cover %d of %d bytes without error", total, len(raw))
		}
		_, _ = ParseAWSGWLB(raw)
	})
}
