// Package pcapread loads whole pcap or pcapng files into memory: for tests,
// benchmarks and `cloudtap replay`, which resend the same frames.
package pcapread

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Frame is one captured packet.
type Frame struct {
	Time    time.Time
	Data    []byte
	OrigLen int
}

// Reader is what gopacket's pcap and pcapng readers have in common.
type Reader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	// ZeroCopyReadPacketData returns data valid only until the next read.
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// NewReader reads a pcap or pcapng stream, telling the formats apart by
// their magic number.
func NewReader(r io.Reader) (Reader, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("too short for a capture file: %w", err)
	}
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("pcapng: %w", err)
		}
		return r, nil
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// ReadFile loads a whole pcap or pcapng file.
func ReadFile(path string) ([]Frame, layers.LinkType, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	var frames []Frame
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return frames, r.LinkType(), nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: packet %d: %w", path, len(frames)+1, err)
		}
		frames = append(frames, Frame{Time: ci.Timestamp, Data: d, OrigLen: ci.Length})
	}
}

// Ethernet loads the frames of an Ethernet capture.
func Ethernet(path string) ([][]byte, error) {
	frames, link, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	if link != layers.LinkTypeEthernet {
		return nil, fmt.Errorf("%s: link type %v; only Ethernet captures can be replayed", path, link)
	}
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = f.Data
	}
	return out, nil
}
