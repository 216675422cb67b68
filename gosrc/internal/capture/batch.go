package capture

import "github.com/cloudtap/cloudtap/gosrc/decap"

// Meta describes one packet in a Batch.
type Meta struct {
	Time    int64  // nanoseconds since the Unix epoch (kernel receive time when live)
	CapLen  uint32 // bytes in Batch.Data
	OrigLen uint32 // length of the inner frame on the wire
	Offset  uint32 // where the frame starts in Batch.Data
	Link    decap.LinkType
	Encap   decap.Encap
	// Session is the mirror session (VNI, ERSPAN session id, GRE key) when
	// HasSession.
	Session    uint32
	HasSession bool
}

// Batch is a fixed-capacity set of packets. Data may be memory the caller
// owns (the C API points it at C memory), so frames are copied exactly once,
// from the receive buffer into Data.
type Batch struct {
	Meta []Meta
	Data []byte
	N    int // packets held
	used int // bytes of Data held
}

// NewBatch allocates a batch in Go memory.
func NewBatch(maxPackets, dataBytes int) *Batch {
	return &Batch{Meta: make([]Meta, maxPackets), Data: make([]byte, dataBytes)}
}

// Reset empties the batch for reuse.
func (b *Batch) Reset() { b.N, b.used = 0, 0 }

// Frame returns packet i's bytes.
func (b *Batch) Frame(i int) []byte {
	m := &b.Meta[i]
	return b.Data[m.Offset : m.Offset+m.CapLen]
}

// Full says whether no further packet of up to maxFrame bytes fits.
func (b *Batch) Full(maxFrame int) bool {
	return b.N == len(b.Meta) || len(b.Data)-b.used < maxFrame
}

// slotsFor is how many packets of up to maxFrame bytes still fit. An empty
// batch always takes one, truncated to its size if it must be, so that a
// batch smaller than the snap length still makes progress.
func (b *Batch) slotsFor(maxFrame int) int {
	n := len(b.Meta) - b.N
	if maxFrame > 0 {
		n = min(n, (len(b.Data)-b.used)/maxFrame)
	}
	if n <= 0 && b.N == 0 && len(b.Meta) > 0 && len(b.Data) > 0 {
		return 1
	}
	return max(n, 0)
}

// add copies a decapsulated packet in; callers check room first.
func (b *Batch) add(p *decap.Packet, ts int64, origLen int) {
	m := &b.Meta[b.N]
	n := copy(b.Data[b.used:], p.Inner)
	m.Time, m.CapLen, m.Offset = ts, uint32(n), uint32(b.used)
	m.OrigLen = uint32(max(origLen-p.InnerOffset, n))
	m.Link, m.Encap = p.InnerLink, p.Encap()
	m.Session, m.HasSession = p.Session()
	b.used += n
	b.N++
}
