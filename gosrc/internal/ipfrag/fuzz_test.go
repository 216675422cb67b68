package ipfrag

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

// FuzzReassembler feeds a stream of fragments, made from the input so
// that they often belong to the same datagrams and overlap, through a
// small table: nothing panics, the accounting always balances, and every
// datagram that completes is as long as its header says.
func FuzzReassembler(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0x81, 0, 1, 0, 0x02, 1, 0, 2, 0x10})
	f.Add([]byte{1, 0, 0, 0x83, 1, 0, 1, 0x83, 1, 0, 2, 0x03, 0, 0xff, 0xfe, 0x10})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := New(Config{Memory: 3 * slotBytes, Timeout: 10 * time.Second})
		var given, completes uint64
		for i := 0; len(in) >= 4; i++ {
			// id, offset in 8-byte units, then more-fragments and length.
			id, off, b := in[0]&3, int(binary.BigEndian.Uint16(in[1:3])), in[3]
			in = in[4:]
			n := int(b&0x3f) * 4
			var frame []byte
			if id == 3 {
				frame = rawV6(uint32(id), off*8, b&0x80 != 0, make([]byte, n))
			} else {
				frame = rawV4(mirror, uint16(id), off*8, b&0x80 != 0, make([]byte, n))
			}
			if b&0x40 != 0 && len(in) > 0 { // now and then, a frame cut anywhere
				frame = frame[:int(in[0])%len(frame)]
			}
			given++
			res, dgram := r.Add(frame, decap.LinkRaw, int64(i)*int64(time.Second))
			if res == Complete {
				completes++
				var want int
				if dgram[0]>>4 == 4 {
					want = int(binary.BigEndian.Uint16(dgram[2:4]))
				} else {
					want = 40 + int(binary.BigEndian.Uint16(dgram[4:6]))
				}
				if want != len(dgram) {
					t.Fatalf("datagram of %d bytes says %d", len(dgram), want)
				}
			}
			check(t, r, given, completes)
		}
		r.Flush()
		if s := check(t, r, given, completes); s.Held != 0 {
			t.Fatalf("%d fragments held after Flush", s.Held)
		}
	})
}

// rawV6 is a raw IPv6 fragment of datagram id.
func rawV6(id uint32, off int, more bool, payload []byte) []byte {
	h := make([]byte, 48, 48+len(payload))
	h[0], h[6], h[7] = 0x60, 44, 64
	binary.BigEndian.PutUint16(h[4:6], uint16(8+len(payload)))
	h[8], h[23], h[24], h[39] = 0xfd, 5, 0xfd, 9
	h[40] = 17
	fo := uint16(off) &^ 7
	if more {
		fo |= 1
	}
	binary.BigEndian.PutUint16(h[42:44], fo)
	binary.BigEndian.PutUint32(h[44:48], id)
	return append(h, payload...)
}
