// Command tracemult writes COPIES copies of a real Ethernet capture into
// one pcap, each in an IPv4 network of its own and later in time than the
// one before (package tracemult): the log volume of a busy sensor, for the
// benchmarks, from traffic that really happened.
//
//	tracemult --read wikipedia.trace --copies 1000 --write big.pcap
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
	"github.com/cloudtap/cloudtap/gosrc/internal/tracemult"
)

func main() {
	in := flag.String("read", "", "the Ethernet capture to copy (pcap or pcapng)")
	out := flag.String("write", "", "the pcap to write")
	copies := flag.Int("copies", 100, fmt.Sprintf("how many copies (1..%d)", tracemult.MaxCopies))
	flag.Parse()
	if err := run(*in, *out, *copies); err != nil {
		fmt.Fprintln(os.Stderr, "tracemult:", err)
		os.Exit(1)
	}
}

func run(in, out string, copies int) error {
	if in == "" || out == "" {
		return errors.New("--read and --write are required")
	}
	if copies < 1 || copies > tracemult.MaxCopies {
		return fmt.Errorf("--copies %d: want 1..%d", copies, tracemult.MaxCopies)
	}
	frames, link, err := pcapread.ReadFile(in)
	if err != nil {
		return err
	}
	if link != layers.LinkTypeEthernet {
		return fmt.Errorf("%s: link type %v; only Ethernet captures are copied", in, link)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriterNanos(bw)
	if err := w.WriteFileHeader(65535, link); err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	// A second between copies, so that the last packets of one copy and
	// the first of the next are apart as separate sessions would be.
	period := tracemult.Span(frames) + time.Second
	for k := range copies {
		c, err := tracemult.Copy(frames, k, period)
		if err != nil {
			return err
		}
		for _, fr := range c {
			ci := gopacket.CaptureInfo{Timestamp: fr.Time, CaptureLength: len(fr.Data), Length: fr.OrigLen}
			if err := w.WritePacket(ci, fr.Data); err != nil {
				return fmt.Errorf("%s: %w", out, err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	return f.Close()
}
