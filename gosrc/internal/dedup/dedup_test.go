package dedup

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

// frame is an Ethernet frame carrying an IPv4 (or IPv6) UDP packet.
func frame(v6 bool, ttl byte, payload string) []byte {
	f := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00}
	if v6 {
		f[12], f[13] = 0x86, 0xdd
		ip := make([]byte, 40)
		ip[0], ip[6], ip[7] = 0x60, 17, ttl
		binary.BigEndian.PutUint16(ip[4:6], uint16(8+len(payload)))
		ip[8], ip[39] = 0xfd, 1
		return append(append(append(f, ip...), make([]byte, 8)...), payload...)
	}
	ip := make([]byte, 20)
	ip[0], ip[8], ip[9] = 0x45, ttl, 17
	binary.BigEndian.PutUint16(ip[2:4], uint16(28+len(payload)))
	binary.BigEndian.PutUint16(ip[10:12], uint16(0xbeef)+uint16(ttl)) // any checksum
	ip[12], ip[19] = 10, 2
	return append(append(append(f, ip...), make([]byte, 8)...), payload...)
}

func TestCopiesDifferOnlyWhereAPathRewrites(t *testing.T) {
	ms := int64(time.Millisecond)
	for _, v6 := range []bool{false, true} {
		tb := New(2 * time.Millisecond)
		orig := frame(v6, 64, "hello")
		if tb.Copy(orig, decap.LinkEthernet, 10*ms) {
			t.Fatal("the first packet taken for a copy")
		}
		other := frame(v6, 63, "hello")  // one router later: TTL and checksum differ
		other[0], other[11] = 0x0a, 0x0b // and the MACs
		if !tb.Copy(other, decap.LinkEthernet, 11*ms) {
			t.Fatalf("v6=%v: the copy with another TTL, checksum and MACs was not recognised", v6)
		}
		padded := append(frame(v6, 64, "hello"), 0, 0, 0, 0) // Ethernet padding
		if !tb.Copy(padded, decap.LinkEthernet, 11*ms) {
			t.Fatalf("v6=%v: a copy with link padding was not recognised", v6)
		}
		if tb.Copy(frame(v6, 64, "hellp"), decap.LinkEthernet, 11*ms) {
			t.Fatalf("v6=%v: a packet with other payload taken for a copy", v6)
		}
		if tb.Copy(orig, decap.LinkEthernet, 12*ms+1) {
			t.Fatalf("v6=%v: a packet after the window taken for a copy", v6)
		}
		ip := orig[14:]
		if !tb.Copy(ip, decap.LinkRaw, 13*ms) {
			t.Fatalf("v6=%v: the same IP packet without Ethernet was not recognised", v6)
		}
	}
}

func TestCopyDoesNotAllocate(t *testing.T) {
	tb := New(time.Millisecond)
	f := frame(false, 64, "payload")
	ts := int64(1)
	if n := testing.AllocsPerRun(1000, func() { ts++; tb.Copy(f, decap.LinkEthernet, ts) }); n != 0 {
		t.Fatalf("%v allocations per packet, want 0", n)
	}
}

func BenchmarkCopy(b *testing.B) {
	tb := New(2 * time.Millisecond)
	f := frame(false, 64, string(make([]byte, 1400)))
	b.SetBytes(int64(len(f)))
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint32(f[14+28:], uint32(i)) // a new packet each time
		tb.Copy(f, decap.LinkEthernet, int64(i))
	}
}

// A loaded sensor gets one end's copies in bursts, hundreds of packets
// behind the other end's: every copy must still be recognised. With one
// entry a bucket about 4 of these 500 were missed; with Ways entries the
// chance of missing any is about 2 in 100 000.
func TestCopiesLaggingHundredsOfPacketsBehind(t *testing.T) {
	const lag = 500
	tb := New(50 * time.Millisecond)
	packets := make([][]byte, lag)
	for i := range packets {
		packets[i] = frame(false, 64, "payload")
		binary.BigEndian.PutUint32(packets[i][14+28:], uint32(i))
		if tb.Copy(packets[i], decap.LinkEthernet, int64(i+1)) {
			t.Fatalf("packet %d taken for a copy", i)
		}
	}
	missed := 0
	for i, p := range packets {
		if !tb.Copy(p, decap.LinkEthernet, int64(lag+i+1)) {
			missed++
		}
	}
	if missed != 0 {
		t.Fatalf("%d of %d copies %d packets behind were not recognised", missed, lag, lag)
	}
}
