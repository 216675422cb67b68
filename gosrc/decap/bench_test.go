package decap

import (
	"testing"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// benchFrames wraps inner frames in a tunnel: "64B" is one 64-byte inner
// frame; "mixed" is every frame of a real SSH session (sizes 60..1514).
func benchFrames(b *testing.B, h encap.Header, mix string) [][]byte {
	var inners [][]byte
	if mix == "64B" {
		inners = [][]byte{innerEthernet(b, 64-14-20-8)}
	} else {
		frames, _ := traces.Read(b, "inner/ssh.trace")
		for _, f := range frames {
			inners = append(inners, f.Data)
		}
	}
	out := make([][]byte, len(inners))
	for i, in := range inners {
		fr, err := encap.Frame(outer4, &h, in)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = fr
	}
	return out
}

func BenchmarkDecodeFrame(b *testing.B) {
	d, _ := NewDecoder(DefaultConfig())
	for _, h := range []encap.Header{
		{Format: encap.VXLAN, ID: 1}, {Format: encap.GENEVE, ID: 2, Options: make([]byte, 24)},
		{Format: encap.GRE}, {Format: encap.ERSPAN2, ID: 3}, {Format: encap.ERSPAN3, ID: 4, Platform: true},
	} {
		for _, mix := range []string{"64B", "mixed"} {
			frames := benchFrames(b, h, mix)
			b.Run(h.Format.String()+"/"+mix, func(b *testing.B) {
				var p Packet
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := d.DecodeFrame(frames[i], LinkEthernet, &p); err != nil {
						b.Fatal(err)
					}
					if i++; i == len(frames) {
						i = 0
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
			})
		}
	}
}
