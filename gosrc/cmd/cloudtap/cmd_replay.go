package main

import (
	"flag"
	"fmt"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
	"github.com/cloudtap/cloudtap/gosrc/internal/replay"
)

func init() {
	register("replay", command{
		summary: "wrap a plain capture in a tunnel and send it (a traffic-mirror simulator)",
		usage:   "--read IN.pcap --encap vxlan|geneve|gre|erspan1|erspan2|erspan3 --to HOST[:PORT] [--vni N] [--pps N]",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			in := fs.String("read", "", "plain Ethernet capture to send (pcap or pcapng)")
			enc := fs.String("encap", "vxlan", "tunnel format")
			to := fs.String("to", "", "sensor address: HOST:PORT for vxlan/geneve/greudp (port defaults to 4789/6081/4754), HOST for GRE formats (needs root)")
			vni := fs.Uint("vni", 1, "VNI, ERSPAN session id, or GRE key (gre and greudp with --vni set the key)")
			pps := fs.Int("pps", 0, "packets per second (default: as fast as possible)")
			loops := fs.Int("loop", 1, "send the capture this many times")
			asIs := fs.Bool("as-is", false, "the capture is already mirrored traffic: resend each packet's own tunnel (--encap picks UDP or GRE)")
			return func(args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *in == "" || *to == "" {
					return usagef("--read and --to are required")
				}
				if *pps < 0 {
					return usagef("%s must be >= 0", o.where("pps"))
				}
				if *loops < 1 {
					return usagef("%s must be >= 1", o.where("loop"))
				}
				f, err := encap.ParseFormat(*enc)
				if err != nil {
					return usageError{err.Error()}
				}
				h := encap.Header{Format: f, ID: uint32(*vni)}
				if f == encap.GRE || f == encap.GREUDP {
					h.HasKey = isSet(fs, "vni")
				}
				if err := h.Check(); err != nil {
					return usageError{err.Error()}
				}
				frames, err := pcapread.Ethernet(*in)
				if err != nil {
					return err
				}
				s, err := replay.NewSender(*to, h, *pps)
				if err != nil {
					return err
				}
				defer s.Close()
				skipped := 0
				for l := 0; l < *loops; l++ {
					for _, fr := range frames {
						var err error
						if *asIs {
							payload, ok := replay.TunnelPayload(fr, f.OverUDP())
							if !ok {
								skipped++
								continue
							}
							err = s.SendTunnel(payload)
						} else {
							err = s.Send(fr)
						}
						if err != nil {
							return err
						}
					}
				}
				if skipped > 0 {
					fmt.Fprintf(o.stderr, "skipped %d packets that carry no %v tunnel\n", skipped, f)
				}
				if err := s.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(o.stderr, "sent %d packets as %v to %s\n", s.Sent(), f, *to)
				return nil
			}
		},
	})
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
