package tracemult

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// TestCopiesMoveAddressesAndTimesAndKeepValidIPv4 checks each copy of a
// real capture against gopacket's decoder: same frames and payloads, IPv4
// addresses moved consistently (both directions of a flow alike), a valid
// header checksum, and times one period later per copy.
func TestCopiesMoveAddressesAndTimesAndKeepValidIPv4(t *testing.T) {
	frames, link, err := pcapread.ReadFile(traces.Path(t, "inner/wikipedia.trace"))
	require.NoError(t, err)
	require.Equal(t, layers.LinkTypeEthernet, link)
	period := Span(frames) + time.Second

	for _, k := range []int{0, 1, 0x0102, MaxCopies - 1} {
		c, err := Copy(frames, k, period)
		require.NoError(t, err)
		require.Len(t, c, len(frames))
		ipv4 := 0
		for i := range frames {
			assert.Equal(t, frames[i].Time.Add(time.Duration(k)*period), c[i].Time)
			orig := gopacket.NewPacket(frames[i].Data, layers.LayerTypeEthernet, gopacket.Default)
			moved := gopacket.NewPacket(c[i].Data, layers.LayerTypeEthernet, gopacket.Default)
			oip, ok := orig.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			if !ok {
				assert.Equal(t, frames[i].Data, c[i].Data, "frame %d: not IPv4, copied as it is", i)
				continue
			}
			ipv4++
			mip := moved.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			assert.Equal(t, shifted(oip.SrcIP, k), addr(mip.SrcIP), "frame %d source", i)
			assert.Equal(t, shifted(oip.DstIP, k), addr(mip.DstIP), "frame %d destination", i)
			assert.Equal(t, ipv4Checksum(t, c[i].Data), mip.Checksum, "frame %d: header checksum", i)
			assert.Equal(t, oip.Payload, mip.Payload, "frame %d: the payload is untouched", i)
		}
		assert.Positive(t, ipv4, "the capture holds IPv4")
	}
	assert.Equal(t, frames[0].Data[26:34], mustCopy(t, frames, 0)[0].Data[26:34], "copy 0 is the capture itself")
}

func TestCopyRefusesOutOfRange(t *testing.T) {
	for _, k := range []int{-1, MaxCopies} {
		_, err := Copy(nil, k, time.Second)
		assert.ErrorContains(t, err, "out of range")
	}
}

func mustCopy(t *testing.T, frames []pcapread.Frame, k int) []pcapread.Frame {
	c, err := Copy(frames, k, time.Second)
	require.NoError(t, err)
	return c
}

func addr(ip []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a
}

// shifted is what copy k makes of ip, computed from gopacket's view.
func shifted(ip net.IP, k int) netip.Addr {
	b := [4]byte(ip.To4())
	b[1] ^= byte(k >> 8)
	b[2] ^= byte(k)
	return netip.AddrFrom4(b)
}

// ipv4Checksum recomputes the header checksum with gopacket, which sets it
// when serializing.
func ipv4Checksum(t *testing.T, frame []byte) uint16 {
	p := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	ip := *p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, ip.SerializeTo(buf, gopacket.SerializeOptions{ComputeChecksums: true}))
	reparsed := gopacket.NewPacket(buf.Bytes(), layers.LayerTypeIPv4, gopacket.Default)
	return reparsed.Layer(layers.LayerTypeIPv4).(*layers.IPv4).Checksum
}
