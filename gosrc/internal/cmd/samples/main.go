// Command samples writes the sample captures of package samples into a
// directory: plain.pcap, a few ordinary sessions on plain Ethernet, and
// vxlan.pcap, geneve.pcap, erspan2.pcap and greudp.pcap, the same frames
// as a traffic mirror sends them, and erspan2-fragmented.pcap,
// vxlan-fragmented.pcap and vxlan6-fragmented.pcap, as a mirror sends them
// over a small-MTU path that fragments its tunnel packets. tools/demo
// shows cloudtap on them. It prints one line per capture: its path, its
// number of frames and what it holds.
//
//	samples --dir build/demo/samples
//
// With --wrap it mirrors a plain Ethernet capture of the user's instead,
// as the fragmented samples are made (tests wrap real traces so):
//
//	samples --wrap IN.pcap --format erspan2 --mtu 1500 [--ipv6] --out OUT.pcap
//
// With --dns it writes a DNS-heavy plain capture (benchmarks):
//
//	samples --dns 100000 --out dns.pcap
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gopacket/gopacket/layers"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
	"github.com/cloudtap/cloudtap/gosrc/internal/samples"
)

func main() {
	dir := flag.String("dir", "", "directory to write the captures into (created if missing)")
	wrap := flag.String("wrap", "", "plain Ethernet capture to mirror into --out instead")
	format := flag.String("format", "erspan2", "with --wrap: the tunnel (vxlan, geneve, greudp, gre, erspan1, erspan2, erspan3)")
	mtu := flag.Int("mtu", 1500, "with --wrap: the path MTU that fragments larger tunnel packets")
	ipv6 := flag.Bool("ipv6", false, "with --wrap: outer IPv6")
	out := flag.String("out", "", "with --wrap or --dns: the capture to write")
	dns := flag.Int("dns", 0, "write this many DNS lookups (query and answer) as a plain capture to --out instead")
	flag.Parse()
	var err error
	modes := 0
	for _, set := range []bool{*dir != "", *wrap != "", *dns > 0} {
		if set {
			modes++
		}
	}
	switch {
	case flag.NArg() > 0 || modes != 1 || (*wrap != "" || *dns > 0) != (*out != ""):
		fmt.Fprintln(os.Stderr, "usage: samples --dir DIR | samples --wrap IN.pcap --format F --mtu N [--ipv6] --out OUT.pcap | samples --dns N --out OUT.pcap")
		os.Exit(2)
	case *dns > 0:
		err = samples.WritePcap(*out, samples.DNSHeavy(*dns))
		if err == nil {
			fmt.Printf("%s %d frames: %d DNS lookups\n", *out, 2**dns, *dns)
		}
	case *wrap != "":
		err = wrapCapture(*wrap, *format, *mtu, *ipv6, *out)
	default:
		var files []samples.File
		files, err = samples.Write(*dir)
		for _, f := range files {
			fmt.Printf("%s %d frames: %s\n", f.Path, f.Frames, f.What)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "samples:", err)
		os.Exit(1)
	}
}

func wrapCapture(in, format string, mtu int, ipv6 bool, out string) error {
	f, err := encap.ParseFormat(format)
	if err != nil {
		return err
	}
	frames, link, err := pcapread.ReadFile(in)
	if err != nil {
		return err
	}
	if link != layers.LinkTypeEthernet {
		return fmt.Errorf("%s: link type %v, want Ethernet", in, link)
	}
	for i := range frames {
		if frames[i].OrigLen != len(frames[i].Data) {
			return fmt.Errorf("%s: frame %d was cut to %d of %d bytes: a mirror sends whole frames", in, i+1, len(frames[i].Data), frames[i].OrigLen)
		}
	}
	mirrored, err := samples.MirroredFragmented(frames, samples.FragmentedMirror{Format: f, IPv6: ipv6, MTU: mtu})
	if err != nil {
		return err
	}
	if err := samples.WritePcap(out, mirrored); err != nil {
		return err
	}
	fmt.Printf("%s %d frames: %s mirrored as %v to MTU %d\n", out, len(mirrored), in, f, mtu)
	return nil
}
