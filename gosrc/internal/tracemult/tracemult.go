// Package tracemult makes a big capture of real traffic from a small one:
// copy after copy of it, each copy's IPv4 addresses moved into a network
// of its own and its times moved past the copy before. Zeek reading the
// result logs every copy's connections as new ones, so benchmarks get the
// log volume of a busy sensor from traffic that really happened.
package tracemult

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
)

// MaxCopies is the number of distinct address shifts: copy k XORs the
// second and third octet of every IPv4 address with k.
const MaxCopies = 1 << 16

// Copy returns copy k (0 <= k < MaxCopies) of frames: the frames of an
// Ethernet capture, in order, their times shifted by k*period. Copy 0 is
// the capture itself. IPv4 addresses get a new header checksum; TCP and
// UDP checksums are left as they were (wrong after the shift: read the
// result with zeek -C). Frames other than IPv4 over Ethernet (optionally
// VLAN-tagged) are copied unchanged.
func Copy(frames []pcapread.Frame, k int, period time.Duration) ([]pcapread.Frame, error) {
	if k < 0 || k >= MaxCopies {
		return nil, fmt.Errorf("tracemult: copy %d out of range 0..%d", k, MaxCopies-1)
	}
	out := make([]pcapread.Frame, len(frames))
	for i, f := range frames {
		data := append([]byte(nil), f.Data...)
		if ip := ipv4Header(data); ip != nil && k > 0 {
			shift := [2]byte{byte(k >> 8), byte(k)}
			for _, addr := range [][]byte{ip[12:16], ip[16:20]} {
				addr[1] ^= shift[0]
				addr[2] ^= shift[1]
			}
			setIPv4Checksum(ip)
		}
		out[i] = pcapread.Frame{Time: f.Time.Add(time.Duration(k) * period), Data: data, OrigLen: f.OrigLen}
	}
	return out, nil
}

// Span is how long the capture lasts, first frame to last.
func Span(frames []pcapread.Frame) time.Duration {
	if len(frames) == 0 {
		return 0
	}
	return frames[len(frames)-1].Time.Sub(frames[0].Time)
}

// ipv4Header returns the IPv4 header of an Ethernet frame (VLAN tags
// walked as the decoder walks them), nil if the frame carries none or is
// too short to hold it whole.
func ipv4Header(frame []byte) []byte {
	off, etherType, ok := decap.SkipEthernet(frame)
	if !ok || etherType != 0x0800 {
		return nil
	}
	ip := frame[off:]
	if len(ip) < 20 || ip[0]>>4 != 4 {
		return nil
	}
	ihl := int(ip[0]&0x0f) * 4
	if ihl < 20 || len(ip) < ihl {
		return nil
	}
	return ip[:ihl]
}

// setIPv4Checksum recomputes the header checksum (RFC 791).
func setIPv4Checksum(h []byte) {
	h[10], h[11] = 0, 0
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
}
