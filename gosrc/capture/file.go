package capture

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"

	"github.com/cloudtap/cloudtap/gosrc/decap"
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
	// A frame read but not yet delivered because the batch was full; it is
	// copied because the reader reuses its buffer.
	pending   []byte
	pendingCI gopacket.CaptureInfo
	havePend  bool
	eof       bool
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
	return &fileListener{
		path: l.Path, f: f, next: r.ZeroCopyReadPacketData, link: decap.LinkType(r.LinkType()),
		pl: newPipeline(dec, l.Filter, true),
	}, nil
}

func (fl *fileListener) fd() int { return -1 }

func (fl *fileListener) readBatch(b *Batch) (int, error) {
	before := b.N
	for b.N < len(b.Meta) {
		var (
			data []byte
			ci   gopacket.CaptureInfo
		)
		if fl.havePend {
			data, ci = fl.pending, fl.pendingCI
		} else {
			if fl.eof {
				break
			}
			var err error
			data, ci, err = fl.next()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				// A capture cut off mid-packet (a sensor killed while
				// writing) ends where the last whole packet ended.
				fl.eof = true
				break
			}
			if err != nil {
				return b.N - before, fmt.Errorf("file %s: %w", fl.path, err)
			}
		}
		err := fl.pl.dec.DecodeFrame(data, fl.link, &fl.pl.pkt)
		// A frame that does not fit waits for the next batch; an empty batch
		// takes it truncated, so a frame larger than the whole batch still
		// makes progress (its CapLen is then below OrigLen).
		if err == nil && len(b.Data)-b.used < len(fl.pl.pkt.Inner) && b.N > 0 {
			fl.pending = append(fl.pending[:0], data...)
			fl.pendingCI, fl.havePend = ci, true
			break
		}
		fl.havePend = false
		fl.pl.deliver(b, err, ci.Timestamp.UnixNano(), ci.Length, true)
	}
	if b.N == before && fl.eof && !fl.havePend {
		return 0, io.EOF
	}
	return b.N - before, nil
}

func (fl *fileListener) stats() Stats { return fl.pl.c.snapshot() }

func (fl *fileListener) close() error { return fl.f.Close() }

func (fl *fileListener) String() string { return "file://" + fl.path }
