// Package dedup drops the second copy of a packet that arrives twice: a
// cloud that mirrors both ends of a connection inside one VPC sends every
// packet once from the sender's interface and once from the receiver's
// (zeek/zeek#2206). Copies are the same inner IP packet, but for what the
// path between the two mirror points rewrites: the TTL or hop limit, the
// IPv4 header checksum, and the Ethernet header. A packet counts as a copy
// when one equal in everything else was seen within the window before it.
//
// Packets are matched by a 64-bit hash (hash/maphash, seeded per table)
// of their first HashedBytes (the IP header holds the length), in a table
// of fixed size, so memory is bounded and nothing is allocated per
// packet. Two different packets could share a hash only by chance, about
// once in 2^64. The table is set-associative: a hash picks a bucket of
// Ways entries and a new packet takes the bucket's oldest one, so a copy
// is missed only when Ways other packets fell into its bucket between the
// two copies. With one entry a bucket, a copy lagging k packets behind was
// missed about k in 65 536 times, which a loaded sensor hit (a few copies
// in a thousand-packet transfer); with four it takes about k^4/(24*B^4).
package dedup

import (
	"encoding/binary"
	"hash/maphash"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

// HashedBytes is how much of an IP packet is compared: the IP and
// transport headers and the start of the payload. Two packets equal in
// that and in length within milliseconds are copies: a host's own resend
// differs in its IP ID, TCP timestamps or DNS id. Hashing all of a
// 1500-byte packet would cost four times as much.
const HashedBytes = 320

// Slots is the table's size: 16 bytes a slot, 1 MiB in all.
const Slots = 1 << 16

// Ways is how many entries a bucket holds: four of 16 bytes fill one
// 64-byte cache line, so a lookup reads one line.
const Ways = 4

const buckets = Slots / Ways

// MaxWindow bounds the window: over a longer one, a packet a host really
// sent twice (a retransmission) would be taken for a mirror's copy.
const MaxWindow = time.Second

type entry struct {
	sum  uint64
	seen int64 // packet time, ns; 0: empty
}

// Table remembers the packets of the last window. It is not safe for
// concurrent use.
type Table struct {
	window int64
	seed   maphash.Seed
	slots  [][Ways]entry
}

// New makes a table for the given window (0 < window <= MaxWindow).
func New(window time.Duration) *Table {
	return &Table{window: window.Nanoseconds(), seed: maphash.MakeSeed(), slots: make([][Ways]entry, buckets)}
}

// Copy says whether frame, an inner frame of the given link type seen at
// packet time ts (ns), is a copy of one seen within the window; if not,
// it is remembered.
func (t *Table) Copy(frame []byte, link decap.LinkType, ts int64) bool {
	sum := t.sum(frame, link)
	b := &t.slots[sum&(buckets-1)]
	oldest := 0
	for i := range b {
		e := &b[i]
		if e.seen != 0 && e.sum == sum && ts-e.seen >= 0 && ts-e.seen <= t.window {
			// The copy does not extend the window: a third copy, later
			// than window after the first, is a packet of its own.
			return true
		}
		if e.seen < b[oldest].seen {
			oldest = i // an empty entry (0) is the oldest of all
		}
	}
	b[oldest] = entry{sum: sum, seen: ts}
	return false
}

// sum hashes the IP packet in frame, leaving out what a path rewrites.
func (t *Table) sum(frame []byte, link decap.LinkType) uint64 {
	var h maphash.Hash
	h.SetSeed(t.seed)
	ip := frame
	if link == decap.LinkEthernet {
		off, etherType, ok := decap.SkipEthernet(frame)
		if !ok {
			h.Write(frame)
			return h.Sum64()
		}
		ip = frame[off:]
		if etherType != 0x0800 && etherType != 0x86DD {
			// Not IP (ARP, say): the frame past its addresses.
			h.Write(frame[12:])
			return h.Sum64()
		}
	}
	ip = ip[:min(len(ip), HashedBytes)]
	switch {
	case len(ip) >= 20 && ip[0]>>4 == 4:
		if n := int(binary.BigEndian.Uint16(ip[2:4])); n >= 20 && n <= len(ip) {
			ip = ip[:n] // without link padding
		}
		h.Write(ip[0:8])  // version to fragment offset
		h.Write(ip[9:10]) // protocol; TTL left out
		h.Write(ip[12:])  // addresses and payload; the checksum left out
	case len(ip) >= 40 && ip[0]>>4 == 6:
		if n := 40 + int(binary.BigEndian.Uint16(ip[4:6])); n <= len(ip) {
			ip = ip[:n]
		}
		h.Write(ip[0:7]) // the hop limit left out
		h.Write(ip[8:])
	default:
		h.Write(ip)
	}
	return h.Sum64()
}
