package capture

import (
	"sync/atomic"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

// Stats counts what happened to received tunnel packets. Every packet
// received is, at any moment, in exactly one of Delivered, Queued,
// Refused, OtherSession, OtherWorker, Duplicates, Malformed, Reassembled or
// FragmentsHeld (give or take the packets of a receive call under way). A
// datagram reassembled from fragments counts once, as its last fragment;
// the others are Reassembled.
type Stats struct {
	Received     uint64 // tunnel packets read from sockets or files
	Bytes        uint64 // their bytes
	Delivered    uint64 // inner frames handed out
	Refused      uint64 // from a source outside the allowlist
	OtherSession uint64 // of a mirror session not asked for
	OtherWorker  uint64 // of a flow that belongs to another worker
	Duplicates   uint64 // second copies of a packet mirrored twice (dedup=)
	Malformed    uint64 // refused by the decoder, by reason below
	ByReason     [decap.NumReasons]uint64
	// Fragments of tunnel packets (file sources; the kernel reassembles
	// for sockets): merged into a datagram counted as its last fragment,
	// and waiting for the rest of theirs. Those that could not be
	// reassembled are Malformed, by their fragment_* reason.
	Reassembled   uint64
	FragmentsHeld uint64
	// Queued: decoded and waiting in the receiver's ring (ring=) for the
	// caller; those still there at Close were never delivered.
	Queued      uint64
	KernelDrops uint64 // dropped by the kernel for the sockets, receive buffer full (SO_MEMINFO), read when Stats is
}

// counters are Stats kept with atomics so that Stats() may be read from
// another thread (Zeek's stats timer) while ReadBatch runs.
type counters struct {
	received, bytes, delivered, refused, otherSession, otherWorker, duplicates, malformed atomic.Uint64
	byReason                                                                              [decap.NumReasons]atomic.Uint64
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Received: c.received.Load(), Bytes: c.bytes.Load(), Delivered: c.delivered.Load(),
		Refused: c.refused.Load(), OtherSession: c.otherSession.Load(), OtherWorker: c.otherWorker.Load(),
		Duplicates: c.duplicates.Load(),
		Malformed:  c.malformed.Load(),
	}
	for i := range s.ByReason {
		s.ByReason[i] = c.byReason[i].Load()
	}
	return s
}

// Add sums two Stats (a source made of several listeners).
func (s *Stats) Add(o Stats) {
	s.Received += o.Received
	s.Bytes += o.Bytes
	s.Delivered += o.Delivered
	s.Refused += o.Refused
	s.OtherSession += o.OtherSession
	s.OtherWorker += o.OtherWorker
	s.Duplicates += o.Duplicates
	s.Malformed += o.Malformed
	s.Reassembled += o.Reassembled
	s.FragmentsHeld += o.FragmentsHeld
	s.Queued += o.Queued
	s.KernelDrops += o.KernelDrops
	for i := range s.ByReason {
		s.ByReason[i] += o.ByReason[i]
	}
}
