package capture

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/ipfrag"
	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
)

// fileListener reads a pcap or pcapng capture of mirrored traffic, as a
// tap or a cloud mirror target recorded it.
type fileListener struct {
	path string
	f    *os.File
	next func() ([]byte, gopacket.CaptureInfo, error)
	link decap.LinkType
	pl   *pipeline
	// frag puts fragmented tunnel packets back together; the kernel does
	// it for sockets.
	frag *ipfrag.Reassembler
	// A frame read but not yet delivered because the batch was full; it is
	// copied because the reader reuses its buffer (a reassembler's too).
	pending     []byte
	pendingCI   gopacket.CaptureInfo
	pendingLink decap.LinkType
	pendingLen  int // its length on the wire: a reassembled datagram's
	havePend    bool
	eof         bool
}

func openFile(l ListenerSpec, dec *decap.Decoder) (*fileListener, error) {
	f, err := os.Open(l.Path)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	r, err := pcapread.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file %s: %w", l.Path, err)
	}
	fl := &fileListener{
		path: l.Path, f: f, next: r.ZeroCopyReadPacketData, link: decap.LinkType(r.LinkType()),
		pl: newPipeline(dec, l.Filter, true), frag: ipfrag.New(l.Reassembly),
	}
	// Fragments from a source outside allow= take no memory.
	fl.frag.Allow = fl.pl.allowed
	return fl, nil
}

func (fl *fileListener) fd() int { return -1 }

func (fl *fileListener) readBatch(b *Batch) (int, error) {
	before := b.N
	for b.N < len(b.Meta) {
		var (
			data    []byte
			ci      gopacket.CaptureInfo
			link    = fl.link
			origLen int
		)
		if fl.havePend {
			data, ci, link, origLen = fl.pending, fl.pendingCI, fl.pendingLink, fl.pendingLen
		} else {
			if fl.eof {
				break
			}
			var err error
			data, ci, err = fl.next()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				// A capture cut off mid-packet (a sensor killed while
				// writing) ends where the last whole packet ended; what
				// waits for fragments that never came is dropped.
				fl.eof = true
				fl.frag.Flush()
				break
			}
			if err != nil {
				return b.N - before, fmt.Errorf("file %s: %w", fl.path, err)
			}
			origLen = ci.Length
		}
		err := fl.pl.dec.DecodeFrame(data, link, &fl.pl.pkt)
		if err == decap.ReasonOuterFragment {
			res, dgram := fl.frag.Add(data, link, ci.Timestamp.UnixNano())
			if res != ipfrag.Complete {
				// Its outcome is the reassembler's count: held, dropped or refused.
				fl.pl.receive(ci.Length)
				continue
			}
			data, link, origLen = dgram, decap.LinkRaw, len(dgram)
			err = fl.pl.dec.DecodeFrame(data, link, &fl.pl.pkt)
		}
		// A frame that does not fit waits for the next batch; an empty batch
		// takes it truncated, so a frame larger than the whole batch still
		// makes progress (its CapLen is then below OrigLen).
		if err == nil && len(b.Data)-b.used < len(fl.pl.pkt.Inner) && b.N > 0 {
			fl.pending = append(fl.pending[:0], data...)
			fl.pendingCI, fl.pendingLink, fl.pendingLen, fl.havePend = ci, link, origLen, true
			break
		}
		fl.havePend = false
		fl.pl.deliverDatagram(b, err, ci.Timestamp.UnixNano(), ci.Length, origLen, true)
	}
	if b.N == before && fl.eof && !fl.havePend {
		return 0, io.EOF
	}
	return b.N - before, nil
}

func (fl *fileListener) stats() Stats {
	st := fl.pl.c.snapshot()
	fs := fl.frag.Stats()
	st.Reassembled, st.FragmentsHeld = fs.Merged, fs.Held
	st.Refused += fs.Refused
	for r, n := range fs.Dropped {
		st.Malformed += n
		st.ByReason[r] += n
	}
	return st
}

func (fl *fileListener) close() error { return fl.f.Close() }

func (fl *fileListener) String() string { return "file://" + fl.path }
