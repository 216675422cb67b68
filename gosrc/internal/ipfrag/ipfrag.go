// Package ipfrag reassembles fragmented tunnel packets: the outer IPv4 or
// IPv6 datagrams of a mirror that a 1500-byte path split (full-size frames
// mirrored over ERSPAN/GRE or VXLAN grow past the MTU). The decoder refuses
// fragments (decap.ReasonOuterFragment); a capture file's listener hands
// them here, and strips the tunnel of the datagram they make.
//
// Sockets need none of this: the kernel reassembles what it delivers to
// UDP and raw sockets, within net.ipv4.ipfrag_high_thresh and ipfrag_time,
// and counts its failures in /proc/net/snmp (ReasmFails).
//
// Memory is bounded: a Reassembler holds at most Config.Memory bytes, in
// slots of one largest datagram each, allocated when first needed, so a
// capture without fragments allocates nothing. Time is bounded: a datagram
// not complete Config.Timeout after its first fragment (by packet time) is
// dropped. Overlapping fragments, the teardrop attack among them, drop the
// whole datagram, as RFC 5722 asks of IPv6 and Linux does for IPv4; an
// exact duplicate drops only itself.
package ipfrag

import (
	"encoding/binary"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

const (
	// maxPayload is the most a datagram's fragments may carry: IPv4's total
	// length and IPv6's payload length are 16 bits.
	maxPayload = 65535
	// headerRoom is the most header a reassembled datagram may have: the
	// IPv4 header with options (60), or IPv6's unfragmentable part (the
	// fixed header and the extension headers before the fragment header).
	headerRoom = 512
	// slotBytes is one slot's buffer: the header, then the payload.
	slotBytes = headerRoom + maxPayload
	// maxFragments bounds the work a datagram costs: each fragment is
	// checked against those held.
	maxFragments = 64
)

// Config bounds a Reassembler.
type Config struct {
	// Memory is the most bytes held for datagrams in reassembly; it makes
	// Memory/64 KiB slots (at least one).
	Memory int
	// Timeout is how long, in packet time, a datagram's first fragment
	// waits for the rest.
	Timeout time.Duration
}

// Defaults: Linux's for IPv4 (ipfrag_high_thresh 4 MiB, ipfrag_time 30 s).
const (
	DefaultMemory  = 4 << 20
	DefaultTimeout = 30 * time.Second
)

// DefaultConfig is Linux's bounds.
func DefaultConfig() Config { return Config{Memory: DefaultMemory, Timeout: DefaultTimeout} }

// Slots is how many datagrams Memory lets reassemble at once.
func (c Config) Slots() int { return max(1, c.Memory/slotBytes) }

// Result is what became of a fragment given to Add.
type Result uint8

const (
	Held     Result = iota // kept until the rest of its datagram arrives
	Complete               // it completed its datagram, which Add returns
	Dropped                // discarded; Stats.Dropped says why
	Refused                // from a source Allow refuses, not kept
)

// Stats count fragments. Every fragment given to Add is, at any moment,
// in exactly one of: Held, Merged, Dropped, Refused, or the one fragment of
// each datagram that completed it (Complete; the caller counts those as
// the packets they become).
type Stats struct {
	Held    uint64 // waiting for the rest of their datagram
	Merged  uint64 // in a datagram completed by a later fragment
	Refused uint64 // from a source outside the allowlist
	// Dropped by reason: the Fragment* reasons of package decap.
	Dropped [decap.NumReasons]uint64
}

// key names a datagram (RFC 791: source, destination, protocol and
// identification; RFC 8200: source, destination and identification).
type key struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8 // IPv4's protocol; 0 for IPv6
}

type span struct{ start, end int } // payload bytes [start, end)

type slot struct {
	key   key
	used  bool
	first int64 // packet time of the first fragment, ns
	buf   []byte
	// The header, kept from the fragment at offset 0, sits at
	// buf[headerRoom-hdrLen : headerRoom]; payload offset o at
	// buf[headerRoom+o].
	hdrLen int
	// nextAt is where, in the header, the next-header byte is that names
	// the fragmentable part's protocol (IPv6); -1 for IPv4.
	nextAt   int
	v6       bool
	haveHead bool
	total    int // payload length, known once the last fragment came (-1 before)
	have     int // payload bytes held
	spans    []span
}

// Reassembler is one source's table of datagrams in reassembly. It is not
// safe for concurrent use, except Stats, which may be read from any
// goroutine.
type Reassembler struct {
	// Allow, if set, refuses fragments from other sources before they take
	// memory: forged fragments must not evict a mirror's.
	Allow func(netip.Addr) bool

	slots   []slot
	index   map[key]int
	timeout int64
	// nextExpiry is the earliest time a held datagram times out.
	nextExpiry int64

	held, merged, refused atomic.Uint64
	dropped               [decap.NumReasons]atomic.Uint64
}

// New makes a Reassembler; it allocates slot buffers only when fragments
// arrive.
func New(c Config) *Reassembler {
	n := c.Slots()
	return &Reassembler{slots: make([]slot, n), index: make(map[key]int, n), timeout: c.Timeout.Nanoseconds()}
}

// Stats are the counts so far.
func (r *Reassembler) Stats() Stats {
	s := Stats{Held: r.held.Load(), Merged: r.merged.Load(), Refused: r.refused.Load()}
	for i := range s.Dropped {
		s.Dropped[i] = r.dropped[i].Load()
	}
	return s
}

// fragment is what parse reads off one fragment.
type fragment struct {
	key      key
	v6       bool
	header   []byte // IPv4: the header; IPv6: the unfragmentable part
	nextAt   int    // IPv6: the next-header byte in header that points at the fragment header
	next     uint8  // IPv6: the fragmentable part's protocol
	off      int    // payload offset in bytes
	more     bool
	payload  []byte
	isFrag   bool
	truncBad bool // cut short by the capture or of an illegal length
}

// Add takes one captured frame of the given link type at packet time now
// (ns). When it completes a datagram, Add returns it as a raw IP datagram
// (decap.LinkRaw) with its fragmentation fields cleared; it is valid until
// the next call. A frame that is no fragment is Dropped as
// decap.ReasonFragmentBad: callers give Add only what the decoder refused
// as decap.ReasonOuterFragment.
func (r *Reassembler) Add(frame []byte, link decap.LinkType, now int64) (Result, []byte) {
	r.expire(now)
	f, ok := parse(frame, link)
	if !ok || !f.isFrag {
		r.drop(decap.ReasonFragmentBad, 1)
		return Dropped, nil
	}
	if r.Allow != nil && !r.Allow(f.key.src) {
		r.refused.Add(1)
		return Refused, nil
	}
	if f.truncBad {
		r.drop(decap.ReasonFragmentBad, 1)
		return Dropped, nil
	}
	end := f.off + len(f.payload)
	if end > maxPayload || len(f.header) > headerRoom {
		r.drop(decap.ReasonFragmentTooLarge, 1)
		return Dropped, nil
	}
	i, found := r.index[f.key]
	if !found {
		i = r.take(now)
		s := &r.slots[i]
		if s.buf == nil {
			s.buf = make([]byte, slotBytes)
			s.spans = make([]span, 0, maxFragments)
		}
		s.key, s.used, s.first, s.v6 = f.key, true, now, f.v6
		s.haveHead, s.total, s.have, s.spans = false, -1, 0, s.spans[:0]
		r.index[f.key] = i
		r.nextExpiry = min(r.nextExpiry, now+r.timeout)
	}
	s := &r.slots[i]
	// Every check that can refuse the fragment comes before it is stored.
	for _, sp := range s.spans {
		if f.off == sp.start && end == sp.end {
			r.drop(decap.ReasonFragmentDuplicate, 1)
			return Dropped, nil
		}
		if f.off < sp.end && sp.start < end {
			r.discard(i, decap.ReasonFragmentOverlap, 1)
			return Dropped, nil
		}
	}
	switch {
	case !f.more && s.total >= 0 && end != s.total, // a second, different last fragment
		!f.more && s.have > 0 && s.maxEnd() > end, // data past the end
		f.more && s.total >= 0 && end > s.total:
		r.discard(i, decap.ReasonFragmentOverlap, 1)
		return Dropped, nil
	case len(s.spans) == maxFragments:
		r.discard(i, decap.ReasonFragmentTooMany, 1)
		return Dropped, nil
	}
	copy(s.buf[headerRoom+f.off:], f.payload)
	s.spans = append(s.spans, span{f.off, end})
	s.have += len(f.payload)
	if !f.more {
		s.total = end
	}
	if f.off == 0 {
		copy(s.buf[headerRoom-len(f.header):headerRoom], f.header)
		s.hdrLen, s.nextAt, s.haveHead = len(f.header), f.nextAt, true
		if f.v6 {
			s.buf[headerRoom-len(f.header)+f.nextAt] = f.next
		}
	}
	if !s.haveHead || s.total < 0 || s.have != s.total {
		r.held.Add(1)
		return Held, nil
	}
	// Spans do not overlap and lie within [0, total), so total bytes of
	// them cover it all.
	if s.hdrLen+s.total > maxPayload && !s.v6 || s.hdrLen-40+s.total > maxPayload && s.v6 {
		s.spans = s.spans[:len(s.spans)-1] // this fragment, stored but never held
		r.discard(i, decap.ReasonFragmentTooLarge, 1)
		return Dropped, nil
	}
	dgram := s.buf[headerRoom-s.hdrLen : headerRoom+s.total]
	if s.v6 {
		binary.BigEndian.PutUint16(dgram[4:6], uint16(s.hdrLen-40+s.total))
	} else {
		binary.BigEndian.PutUint16(dgram[2:4], uint16(s.hdrLen+s.total))
		flags := binary.BigEndian.Uint16(dgram[6:8])
		binary.BigEndian.PutUint16(dgram[6:8], flags&0x4000) // keep DF; clear MF and the offset
		binary.BigEndian.PutUint16(dgram[10:12], 0)
		binary.BigEndian.PutUint16(dgram[10:12], ipv4Checksum(dgram[:s.hdrLen]))
	}
	held := uint64(len(s.spans) - 1)
	r.held.Add(^(held - 1))
	r.merged.Add(held)
	r.release(i)
	return Complete, dgram
}

// Flush drops every datagram still in reassembly, as at the end of a
// capture, counting their fragments as timed out.
func (r *Reassembler) Flush() {
	for i := range r.slots {
		if r.slots[i].used {
			r.discard(i, decap.ReasonFragmentTimeout, 0)
		}
	}
}

func (s *slot) maxEnd() int {
	m := 0
	for _, sp := range s.spans {
		m = max(m, sp.end)
	}
	return m
}

// expire drops the datagrams whose time has passed. It scans the table
// only when the earliest of them is due.
func (r *Reassembler) expire(now int64) {
	if len(r.index) == 0 || now < r.nextExpiry {
		return
	}
	r.nextExpiry = int64(^uint64(0) >> 1)
	for i := range r.slots {
		s := &r.slots[i]
		if !s.used {
			continue
		}
		if now-s.first >= r.timeout {
			r.discard(i, decap.ReasonFragmentTimeout, 0)
			continue
		}
		r.nextExpiry = min(r.nextExpiry, s.first+r.timeout)
	}
}

// take returns a free slot, evicting the oldest datagram when none is.
func (r *Reassembler) take(now int64) int {
	oldest := -1
	for i := range r.slots {
		if !r.slots[i].used {
			if len(r.index) == 0 {
				r.nextExpiry = now + r.timeout
			}
			return i
		}
		if oldest < 0 || r.slots[i].first < r.slots[oldest].first {
			oldest = i
		}
	}
	r.discard(oldest, decap.ReasonFragmentEvicted, 0)
	return oldest
}

// discard drops datagram i: its held fragments and extra more (the
// fragment that caused it, not held), all for reason.
func (r *Reassembler) discard(i int, reason decap.Reason, extra int) {
	n := uint64(len(r.slots[i].spans))
	if n > 0 {
		r.held.Add(^(n - 1))
	}
	r.drop(reason, n+uint64(extra))
	r.release(i)
}

func (r *Reassembler) drop(reason decap.Reason, n uint64) { r.dropped[reason].Add(n) }

func (r *Reassembler) release(i int) {
	s := &r.slots[i]
	delete(r.index, s.key)
	s.used, s.spans = false, s.spans[:0]
}

// ipv4Checksum is the header checksum, over a header whose checksum field
// is zero.
func ipv4Checksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
