package capture

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/dedup"
	"github.com/cloudtap/cloudtap/gosrc/internal/ipfrag"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// component names the capture spec in configuration errors.
const component = "capture"

// Options is the capture spec's option table: the query of each listener
// URL (vxlan://:4789?allow=10.0.0.0/8&rcvbuf=64M). Lists take commas or
// repeated keys.
var Options = &option.Table[ListenerSpec]{Component: component, Options: []option.Option[ListenerSpec]{
	option.Func("allow", option.KindList, "", "mirror sources allowed, CIDRs or addresses (default: any); others are counted as refused",
		setAllow),
	option.Func("session", option.KindList, "", "keep only these VXLAN/GENEVE VNIs, ERSPAN session ids or GRE keys (default: all); others are counted",
		setSessions).WithAliases("vni"),
	option.Count("workers", "", "split flows across N Zeek processes sharing the port (with worker=)",
		func(l *ListenerSpec) *int { return &l.Filter.Workers }),
	option.Count("worker", "", "this process's share of workers=N, 0 to N-1",
		func(l *ListenerSpec) *int { return &l.Filter.Worker }),
	option.Size("rcvbuf", option.FormatSize(DefaultRcvBuf), "socket receive buffer (the kernel caps it at net.core.rmem_max unless run with CAP_NET_ADMIN)",
		func(l *ListenerSpec) *int { return &l.RcvBuf }),
	option.Count("batch", strconv.Itoa(DefaultBatch), "datagrams per receive call, 1 to 1024",
		func(l *ListenerSpec) *int { return &l.Batch }),
	option.Count("ring", strconv.Itoa(DefaultRing), "batches of up to 256 packets a receiver thread decodes ahead of Zeek, 0 to 1024; 0: receive on Zeek's thread (the largest of a spec's listeners applies)",
		func(l *ListenerSpec) *int { return &l.Ring }),
	option.Size("snaplen", strconv.Itoa(DefaultSnaplen), "bytes kept of each tunnel packet, 128 to 65535",
		func(l *ListenerSpec) *int { return &l.Snaplen }),
	option.Count("depth", strconv.Itoa(decap.DefaultConfig().MaxDepth), "nested tunnels to strip, 1 to "+strconv.Itoa(decap.MaxDepth),
		func(l *ListenerSpec) *int { return &l.Decode.MaxDepth }),
	option.Func("vxlan-port", option.KindList, strconv.Itoa(int(decap.PortVXLAN)), "UDP ports read as VXLAN in files and nested tunnels",
		setPorts(func(l *ListenerSpec) *[]uint16 { return &l.Decode.VXLANPorts })).WithAliases("vxlan-ports"),
	option.Func("geneve-port", option.KindList, strconv.Itoa(int(decap.PortGENEVE)), "UDP ports read as GENEVE in files and nested tunnels",
		setPorts(func(l *ListenerSpec) *[]uint16 { return &l.Decode.GENEVEPorts })).WithAliases("geneve-ports"),
	option.Func("greudp-port", option.KindList, strconv.Itoa(int(decap.PortGREUDP)), "UDP ports read as GRE-in-UDP (RFC 8086) in files and nested tunnels",
		setPorts(func(l *ListenerSpec) *[]uint16 { return &l.Decode.GREUDPPorts })).WithAliases("greudp-ports"),
	option.Duration("dedup", "", "drop a packet seen again within this window, but for TTL, IP checksum and Ethernet header (both ends mirrored), e.g. 2ms; at most 1s (default: off)",
		func(l *ListenerSpec) *time.Duration { return &l.Filter.Dedup }),
	option.Size("frag-memory", option.FormatSize(ipfrag.DefaultMemory), "file://: memory for fragmented tunnel packets in reassembly, one 64 KiB slot each (the kernel reassembles for sockets)",
		func(l *ListenerSpec) *int { return &l.Reassembly.Memory }),
	option.Duration("frag-timeout", option.FormatDuration(ipfrag.DefaultTimeout), "file://: packet time a fragmented tunnel packet waits for its other fragments",
		func(l *ListenerSpec) *time.Duration { return &l.Reassembly.Timeout }),
}}

// fileOnly are the options that only a file listener reads; liveOnly, those
// only a socket listener reads.
var (
	fileOnly = map[string]bool{"frag-memory": true, "frag-timeout": true}
	liveOnly = map[string]bool{"ring": true}
)

func setAllow(l *ListenerSpec, v string) error {
	for _, item := range option.SplitList(v) {
		p, err := netip.ParsePrefix(item)
		if err != nil {
			a, aerr := netip.ParseAddr(item)
			if aerr != nil {
				return errors.New(strconv.Quote(item) + " is neither a CIDR nor an address")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		l.Filter.Allow = append(l.Filter.Allow, p.Masked())
	}
	return nil
}

func setSessions(l *ListenerSpec, v string) error {
	for _, item := range option.SplitList(v) {
		n, err := strconv.ParseUint(item, 0, 32)
		if err != nil || n > 0xffffff {
			return errors.New(strconv.Quote(item) + " is not a session id (0..16777215, or 0x...)")
		}
		l.Filter.Sessions = append(l.Filter.Sessions, uint32(n))
	}
	return nil
}

// setPorts sets a list of UDP ports; given, it replaces the default.
func setPorts(field func(*ListenerSpec) *[]uint16) func(*ListenerSpec, string) error {
	return func(l *ListenerSpec, v string) error {
		var ports []uint16
		for _, item := range option.SplitList(v) {
			p, err := strconv.ParseUint(item, 10, 16)
			if err != nil || p == 0 {
				return errors.New(strconv.Quote(item) + " is not a UDP port (1..65535)")
			}
			ports = append(ports, uint16(p))
		}
		if len(ports) == 0 {
			return errors.New("want one or more UDP ports")
		}
		*field(l) = ports
		return nil
	}
}

// applyOptions sets the options of a listener URL's query on l, then
// checks those that depend on each other. A list may be given as commas or
// by repeating its key; any other option given twice is an error.
func applyOptions(l *ListenerSpec, rawQuery string) error {
	merged := map[string]string{}
	var order []string
	written := map[string]string{} // the key as the user wrote it, for errors
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		p := option.Pairs{Component: component}
		if err := p.AddQuery(part); err != nil {
			return err
		}
		key, value := p.List[0].Key, p.List[0].Value
		o, ok := Options.Lookup(key)
		if !ok {
			return Options.Unknown(key, value)
		}
		if fileOnly[o.Name] && l.Kind != KindFile {
			return option.Errorf(component, key, value, "applies to file:// only: the kernel reassembles fragments for sockets (net.ipv4.ipfrag_high_thresh, ipfrag_time)")
		}
		if liveOnly[o.Name] && l.Kind == KindFile {
			return option.Errorf(component, key, value, "applies to live listeners only: a file is read on the caller's thread")
		}
		if value == "" {
			return option.Errorf(component, key, value, "no value")
		}
		if prev, seen := merged[o.Name]; seen {
			if o.Kind != option.KindList {
				return option.Errorf(component, key, value, "given more than once")
			}
			value = prev + "," + value
		} else {
			order = append(order, o.Name)
			written[o.Name] = key
		}
		merged[o.Name] = value
	}
	for _, name := range order {
		if err := Options.Set(l, written[name], merged[name]); err != nil {
			return err
		}
	}
	return l.check()
}

// check refuses options that do not fit together or are out of range.
func (l *ListenerSpec) check() error {
	f := &l.Filter
	if f.Workers > 0 && f.Worker >= f.Workers {
		return option.Errorf(component, "worker", f.Worker, "must be below workers=%d", f.Workers)
	}
	if f.Workers == 0 && f.Worker != 0 {
		return option.Errorf(component, "worker", f.Worker, "needs workers=N")
	}
	if l.Batch < 1 || l.Batch > 1024 {
		return option.Errorf(component, "batch", l.Batch, "out of range 1..1024")
	}
	if l.Ring < 0 || l.Ring > 1024 {
		return option.Errorf(component, "ring", l.Ring, "out of range 0..1024")
	}
	if l.Snaplen < 128 || l.Snaplen > 65535 {
		return option.Errorf(component, "snaplen", l.Snaplen, "out of range 128..65535")
	}
	if d := l.Decode.MaxDepth; d < 1 || d > decap.MaxDepth {
		return option.Errorf(component, "depth", d, "out of range 1..%d", decap.MaxDepth)
	}
	if d := l.Filter.Dedup; d < 0 || d > dedup.MaxWindow {
		return option.Errorf(component, "dedup", d, "out of range: above 0, at most %v (longer would take retransmissions for copies)", dedup.MaxWindow)
	}
	if l.Reassembly.Memory < 1 {
		return option.Errorf(component, "frag-memory", l.Reassembly.Memory, "must be greater than zero")
	}
	if l.Reassembly.Timeout <= 0 {
		return option.Errorf(component, "frag-timeout", l.Reassembly.Timeout, "must be greater than zero")
	}
	if l.RcvBuf < 1 {
		return option.Errorf(component, "rcvbuf", l.RcvBuf, "must be greater than zero")
	}
	return nil
}
