package main

import (
	"flag"
)

func init() {
	register("listen", command{
		summary: "capture live mirrored traffic and write the inner frames",
		usage:   "SPEC --write OUT.pcap [--count N]",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			out := fs.String("write", "", "pcap file to write the inner frames to")
			count := fs.Int("count", 0, "stop after this many frames (default: until interrupted)")
			return func(args []string) error {
				if len(args) != 1 {
					return usagef("want one source spec, e.g. vxlan://0.0.0.0:4789?allow=10.0.0.0/8")
				}
				if *out == "" {
					return usagef("--write is required")
				}
				if *count < 0 {
					return usagef("%s must not be negative", o.where("count"))
				}
				return capturePcap(o, args[0], *out, *count)
			}
		},
	})
}
