package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
)

// pcapOut writes inner frames as an Ethernet pcap. Tunnels that carried IP
// without Ethernet (GRE, GENEVE, ERSPAN III with IP frames) get a synthetic
// Ethernet header with zero addresses, because a pcap file has one link
// type and libpcap refuses pcapng files that mix them.
type pcapOut struct {
	f   *os.File
	bw  *bufio.Writer
	w   *pcapgo.Writer
	buf []byte
	n   int
}

func createPcap(path string, snaplen int) (*pcapOut, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriterNanos(bw)
	if err := w.WriteFileHeader(uint32(snaplen), layers.LinkTypeEthernet); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &pcapOut{f: f, bw: bw, w: w}, nil
}

func (o *pcapOut) writeBatch(b *capture.Batch) error {
	for i := 0; i < b.N; i++ {
		m := b.Meta[i]
		frame, length := b.Frame(i), int(m.OrigLen)
		if m.Link == decap.LinkRaw {
			et := byte(0x00) // 0x0800
			if len(frame) > 0 && frame[0]>>4 == 6 {
				et = 0xdd // 0x86dd
			}
			hi := byte(0x08)
			if et == 0xdd {
				hi = 0x86
			}
			o.buf = append(append(o.buf[:0], make([]byte, 12)...), hi, et)
			frame, length = append(o.buf, frame...), length+14
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, m.Time), CaptureLength: len(frame), Length: length}
		if err := o.w.WritePacket(ci, frame); err != nil {
			return err
		}
		o.n++
	}
	return nil
}

func (o *pcapOut) close() error {
	if err := o.bw.Flush(); err != nil {
		o.f.Close()
		return err
	}
	return o.f.Close()
}

// printStats reports what a source did with the packets it received.
func printStats(w io.Writer, st capture.Stats, written int) {
	fmt.Fprintf(w, "received %d tunnel packets, wrote %d inner frames; refused %d (allowlist), other session %d, other worker %d, malformed %d, kernel drops %d\n",
		st.Received, written, st.Refused, st.OtherSession, st.OtherWorker, st.Malformed, st.KernelDrops)
	if st.Duplicates > 0 {
		fmt.Fprintf(w, "  duplicates (dedup=) %d\n", st.Duplicates)
	}
	if st.Reassembled > 0 || st.FragmentsHeld > 0 {
		fmt.Fprintf(w, "  fragments reassembled into the tunnel packets they complete %d, waiting %d\n", st.Reassembled, st.FragmentsHeld)
	}
	for r, n := range st.ByReason {
		if n > 0 {
			fmt.Fprintf(w, "  malformed %s: %d\n", decap.Reason(r), n)
		}
	}
}
