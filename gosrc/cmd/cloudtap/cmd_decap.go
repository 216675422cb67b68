package main

import (
	"errors"
	"flag"
	"io"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
)

func init() {
	register("decap", command{
		summary: "write the inner frames of a capture of mirrored traffic",
		usage:   "--read IN.pcap --write OUT.pcap [--vni N,...] [--allow CIDR,...]",
		setup: func(fs *flag.FlagSet, o outputs) func([]string) error {
			in := fs.String("read", "", "capture of mirrored traffic (pcap or pcapng)")
			out := fs.String("write", "", "pcap file to write the inner frames to")
			f := addFilterFlags(fs)
			return func(args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *in == "" || *out == "" {
					return usagef("--read and --write are required")
				}
				abs, err := filepath.Abs(*in)
				if err != nil {
					return err
				}
				spec := (&url.URL{Scheme: "file", Path: abs, RawQuery: f.query().Encode()}).String()
				return capturePcap(o, spec, *out, 0)
			}
		},
	})
}

// filterFlags are the spec options that commands also take as flags.
type filterFlags struct {
	vni, allow, vxlanPorts, genevePorts *string
	depth                               *int
}

func addFilterFlags(fs *flag.FlagSet) *filterFlags {
	return &filterFlags{
		vni:         fs.String("vni", "", "keep only these VNIs / ERSPAN session ids (comma-separated)"),
		allow:       fs.String("allow", "", "keep only tunnels from these sources (CIDRs, comma-separated)"),
		vxlanPorts:  fs.String("vxlan-port", "", "UDP ports read as VXLAN (default 4789)"),
		genevePorts: fs.String("geneve-port", "", "UDP ports read as GENEVE (default 6081)"),
		depth:       fs.Int("depth", 0, "nested tunnels to strip (default 2)"),
	}
}

func (f *filterFlags) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"vni": *f.vni, "allow": *f.allow, "vxlan-port": *f.vxlanPorts, "geneve-port": *f.genevePorts} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if *f.depth != 0 {
		q.Set("depth", strconv.Itoa(*f.depth))
	}
	return q
}

// capturePcap reads spec until it ends (files), count frames were written,
// or the process is interrupted, writing inner frames to out.
func capturePcap(o outputs, spec, out string, count int) error {
	src, err := capture.Open(spec)
	if err != nil {
		return usageError{err.Error()}
	}
	defer src.Close()
	w, err := createPcap(out, capture.DefaultSnaplen+14)
	if err != nil {
		return err
	}
	stop := notifyStop()
	b := capture.NewBatch(64, 64*capture.DefaultSnaplen)
	for count == 0 || w.n < count {
		if stop.stopped() {
			break
		}
		b.Reset()
		if count > 0 {
			b.Meta = b.Meta[:min(64, count-w.n)]
		}
		n, rerr := src.ReadBatch(b)
		if err := w.writeBatch(b); err != nil {
			w.close()
			return err
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			w.close()
			return rerr
		}
		if n == 0 && src.Live() {
			if err := src.Wait(stop.pollInterval()); err != nil {
				w.close()
				return err
			}
		}
	}
	printStats(o.stderr, src.Stats(), w.n)
	return w.close()
}
