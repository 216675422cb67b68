package ipfrag

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
)

var (
	mirror = netip.MustParseAddr("172.31.16.5")
	sensor = netip.MustParseAddr("172.31.32.9")
)

// vxlanFrame is a whole outer Ethernet frame carrying an inner frame of
// n bytes over VXLAN, from src.
func vxlanFrame(t testing.TB, src, dst netip.Addr, n int) []byte {
	t.Helper()
	inner := make([]byte, n)
	for i := range inner {
		inner[i] = byte(i * 7)
	}
	copy(inner, []byte{2, 0, 0, 0, 0, 3, 2, 0, 0, 0, 0, 4, 0x08, 0x00})
	f, err := encap.Frame(encap.Outer{Src: src, Dst: dst, SrcPort: 40000}, &encap.Header{Format: encap.VXLAN, ID: 42}, inner)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// innerOf decapsulates a frame and returns the inner frame's bytes.
func innerOf(t testing.TB, data []byte, link decap.LinkType) []byte {
	t.Helper()
	dec, _ := decap.NewDecoder(decap.DefaultConfig())
	var p decap.Packet
	if err := dec.DecodeFrame(data, link, &p); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return append([]byte(nil), p.Inner...)
}

// check asserts the accounting: every fragment given is in one place.
func check(t *testing.T, r *Reassembler, given, completes uint64) Stats {
	t.Helper()
	s := r.Stats()
	var dropped uint64
	for _, n := range s.Dropped {
		dropped += n
	}
	if sum := s.Held + s.Merged + s.Refused + dropped + completes; sum != given {
		t.Fatalf("held %d + merged %d + refused %d + dropped %d + completed %d = %d, want the %d fragments given",
			s.Held, s.Merged, s.Refused, dropped, completes, sum, given)
	}
	return s
}

func TestReassemblesInAnyOrder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src, dst netip.Addr
		mtu      int
	}{
		{"ipv4", mirror, sensor, 576},
		{"ipv6", netip.MustParseAddr("fd00::5"), netip.MustParseAddr("fd00::9"), 1280},
	} {
		for _, order := range []string{"in order", "reversed", "last first"} {
			t.Run(tc.name+" "+order, func(t *testing.T) {
				whole := vxlanFrame(t, tc.src, tc.dst, 3000)
				want := innerOf(t, whole, decap.LinkEthernet)
				frags, err := encap.Fragment(whole, tc.mtu, 7)
				if err != nil {
					t.Fatal(err)
				}
				if len(frags) < 3 {
					t.Fatalf("%d fragments, want several", len(frags))
				}
				switch order {
				case "reversed":
					for i, j := 0, len(frags)-1; i < j; i, j = i+1, j-1 {
						frags[i], frags[j] = frags[j], frags[i]
					}
				case "last first":
					frags = append([][]byte{frags[len(frags)-1]}, frags[:len(frags)-1]...)
				}
				r := New(DefaultConfig())
				for i, f := range frags {
					res, dgram := r.Add(f, decap.LinkEthernet, int64(i))
					if i < len(frags)-1 {
						if res != Held {
							t.Fatalf("fragment %d: result %d, want Held", i, res)
						}
						continue
					}
					if res != Complete {
						t.Fatalf("last fragment: result %d, want Complete", res)
					}
					if got := innerOf(t, dgram, decap.LinkRaw); !bytes.Equal(got, want) {
						t.Fatalf("reassembled inner frame differs from the original (%d bytes, want %d)", len(got), len(want))
					}
					if tc.src.Is4() {
						if binary.BigEndian.Uint16(dgram[6:8])&0x3fff != 0 {
							t.Fatal("reassembled IPv4 header still says fragment")
						}
						if ipv4Checksum(dgram[:20]) != 0 {
							t.Fatal("reassembled IPv4 header checksum is wrong")
						}
					}
				}
				s := check(t, r, uint64(len(frags)), 1)
				if s.Merged != uint64(len(frags)-1) || s.Held != 0 {
					t.Fatalf("merged %d held %d, want %d and 0", s.Merged, s.Held, len(frags)-1)
				}
			})
		}
	}
}

// rawV4 is a raw IPv4 fragment of datagram id from src, with payload at
// byte offset off.
func rawV4(src netip.Addr, id uint16, off int, more bool, payload []byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	h[0], h[8], h[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(h[2:4], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[4:6], id)
	fo := uint16(off / 8)
	if more {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(h[6:8], fo)
	s4, d4 := src.As4(), sensor.As4()
	copy(h[12:16], s4[:])
	copy(h[16:20], d4[:])
	return append(h, payload...)
}

func TestAttacksAreRefusedAndCounted(t *testing.T) {
	p8, p16, p24 := bytes.Repeat([]byte{1}, 8), bytes.Repeat([]byte{2}, 16), bytes.Repeat([]byte{3}, 24)
	for _, tc := range []struct {
		name   string
		frags  [][]byte
		reason decap.Reason
		n      uint64 // fragments dropped for reason
		held   uint64
	}{
		// Teardrop: the second fragment starts inside the first and ends
		// before it does.
		{"teardrop", [][]byte{rawV4(mirror, 1, 0, true, p24), rawV4(mirror, 1, 8, false, p8)}, decap.ReasonFragmentOverlap, 2, 0},
		{"overlap rewriting data", [][]byte{rawV4(mirror, 2, 0, true, p16), rawV4(mirror, 2, 8, true, p16)}, decap.ReasonFragmentOverlap, 2, 0},
		{"two different ends", [][]byte{rawV4(mirror, 3, 16, false, p8), rawV4(mirror, 3, 24, false, p8)}, decap.ReasonFragmentOverlap, 2, 0},
		{"data past the end", [][]byte{rawV4(mirror, 4, 32, true, p8), rawV4(mirror, 4, 8, false, p8)}, decap.ReasonFragmentOverlap, 2, 0},
		{"exact duplicate", [][]byte{rawV4(mirror, 5, 8, true, p8), rawV4(mirror, 5, 8, true, p8)}, decap.ReasonFragmentDuplicate, 1, 1},
		{"ping of death", [][]byte{rawV4(mirror, 6, 65528, false, p16)}, decap.ReasonFragmentTooLarge, 1, 0},
		{"odd middle length", [][]byte{rawV4(mirror, 7, 0, true, p8[:5])}, decap.ReasonFragmentBad, 1, 0},
		{"cut short", [][]byte{rawV4(mirror, 8, 0, true, p16)[:30]}, decap.ReasonFragmentBad, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New(DefaultConfig())
			for _, f := range tc.frags {
				if res, _ := r.Add(f, decap.LinkRaw, 0); res == Complete {
					t.Fatal("an attack completed a datagram")
				}
			}
			s := check(t, r, uint64(len(tc.frags)), 0)
			if s.Dropped[tc.reason] != tc.n || s.Held != tc.held {
				t.Fatalf("dropped as %s: %d, held %d; want %d and %d (stats %+v)", tc.reason, s.Dropped[tc.reason], s.Held, tc.n, tc.held, s)
			}
		})
	}
}

func TestDuplicateDoesNotSpoilTheDatagram(t *testing.T) {
	r := New(DefaultConfig())
	a, b := rawV4(mirror, 9, 0, true, make([]byte, 16)), rawV4(mirror, 9, 16, false, make([]byte, 8))
	r.Add(a, decap.LinkRaw, 0)
	if res, _ := r.Add(a, decap.LinkRaw, 0); res != Dropped {
		t.Fatalf("duplicate: result %d, want Dropped", res)
	}
	if res, d := r.Add(b, decap.LinkRaw, 0); res != Complete || len(d) != 20+24 {
		t.Fatalf("result %d, %d bytes; want Complete, 44", res, len(d))
	}
	check(t, r, 3, 1)
}

func TestTimeoutEvictionAndAllowlist(t *testing.T) {
	sec := int64(time.Second)
	r := New(Config{Memory: 2 * slotBytes, Timeout: 30 * time.Second})
	first := func(id uint16) []byte { return rawV4(mirror, id, 0, true, make([]byte, 8)) }
	r.Add(first(1), decap.LinkRaw, 0)
	r.Add(first(2), decap.LinkRaw, 1*sec)
	r.Add(first(3), decap.LinkRaw, 2*sec) // the table holds two: datagram 1 goes
	if s := check(t, r, 3, 0); s.Dropped[decap.ReasonFragmentEvicted] != 1 || s.Held != 2 {
		t.Fatalf("evicted %d held %d, want 1 and 2", s.Dropped[decap.ReasonFragmentEvicted], s.Held)
	}
	r.Add(first(4), decap.LinkRaw, 31*sec+1) // datagram 2 has waited over 30 s; 3 has not quite
	if s := check(t, r, 4, 0); s.Dropped[decap.ReasonFragmentTimeout] != 1 || s.Held != 2 {
		t.Fatalf("timed out %d held %d, want 1 and 2", s.Dropped[decap.ReasonFragmentTimeout], s.Held)
	}
	r.Flush()
	if s := check(t, r, 4, 0); s.Dropped[decap.ReasonFragmentTimeout] != 3 || s.Held != 0 {
		t.Fatalf("after Flush: timed out %d held %d, want 3 and 0", s.Dropped[decap.ReasonFragmentTimeout], s.Held)
	}
	r.Allow = func(a netip.Addr) bool { return a == mirror }
	if res, _ := r.Add(rawV4(netip.MustParseAddr("198.51.100.7"), 5, 0, true, make([]byte, 8)), decap.LinkRaw, 32*sec); res != Refused {
		t.Fatalf("forged source: result %d, want Refused", res)
	}
	if s := check(t, r, 5, 0); s.Refused != 1 || s.Held != 0 {
		t.Fatalf("refused %d held %d, want 1 and 0", s.Refused, s.Held)
	}
}

func TestSlotsFollowMemory(t *testing.T) {
	if n := DefaultConfig().Slots(); n != 63 {
		t.Fatalf("4 MiB makes %d slots, want 63 of %d bytes", n, slotBytes)
	}
	if n := (Config{Memory: 1}).Slots(); n != 1 {
		t.Fatalf("a tiny memory makes %d slots, want 1", n)
	}
}

// Once its slot is allocated, reassembling allocates nothing.
func TestReassemblyDoesNotAllocate(t *testing.T) {
	frags, err := encap.Fragment(vxlanFrame(t, mirror, sensor, 3000), 1500, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := New(DefaultConfig())
	now := int64(0)
	run := func() {
		for _, f := range frags {
			now++
			r.Add(f, decap.LinkEthernet, now)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("%v allocations per datagram, want 0", n)
	}
}

func BenchmarkReassemble(b *testing.B) {
	frags, err := encap.Fragment(vxlanFrame(b, mirror, sensor, 3000), 1500, 1)
	if err != nil {
		b.Fatal(err)
	}
	r := New(DefaultConfig())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, f := range frags {
			r.Add(f, decap.LinkEthernet, int64(i))
		}
	}
}
