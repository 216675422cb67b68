package capture

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

// Kind is how a listener receives tunnels.
type Kind string

const (
	KindVXLAN  Kind = "vxlan"  // UDP socket, VXLAN
	KindGENEVE Kind = "geneve" // UDP socket, GENEVE
	KindGRE    Kind = "gre"    // raw IP socket for protocol 47: GRE and ERSPAN I/II/III
	KindFile   Kind = "file"   // pcap or pcapng file of mirrored traffic
)

// Defaults of listener options.
const (
	DefaultRcvBuf  = 64 << 20
	DefaultBatch   = 64
	DefaultSnaplen = 16384 // covers 9001-byte jumbo frames plus tunnel headers
)

// ListenerSpec is one listener of a source spec.
type ListenerSpec struct {
	Kind    Kind
	Addr    netip.AddrPort // UDP: local address and port; GRE: local address (port 0)
	AnyAddr bool           // no host given: listen on IPv4 and IPv6
	Path    string         // file
	Filter  Filter
	Decode  decap.Config
	RcvBuf  int // socket receive buffer in bytes
	Batch   int // datagrams per recvmmsg call
	Snaplen int // bytes kept of each received tunnel packet
}

// ParseSpec reads a source spec: one or more listener URLs joined by '+'.
//
//	vxlan://[HOST][:PORT][?OPTIONS]    UDP, default port 4789
//	geneve://[HOST][:PORT][?OPTIONS]   UDP, default port 6081
//	gre://[HOST][?OPTIONS]             IP protocol 47: GRE, ERSPAN I/II/III (alias erspan://)
//	file:///PATH[?OPTIONS]             pcap or pcapng of mirrored traffic
//
// OPTIONS (URL query; lists take commas or repeated keys):
//
//	allow=CIDR,...      mirror sources allowed (default: any)
//	session=ID,...      keep these VNIs / ERSPAN session ids (alias vni=)
//	workers=N&worker=I  keep worker I's share of flows out of N
//	rcvbuf=BYTES        socket receive buffer (default 64 MiB)
//	batch=N             datagrams per receive call (default 64)
//	snaplen=BYTES       bytes kept per tunnel packet (default 16384)
//	depth=N             nested tunnels to strip (default 2)
//	vxlan-port=P,...    UDP ports read as VXLAN in files and nested tunnels (default 4789)
//	geneve-port=P,...   likewise for GENEVE (default 6081)
//
// A leading "cloudtap::" (Zeek's -i prefix) is ignored.
func ParseSpec(spec string) ([]ListenerSpec, error) {
	spec = strings.TrimPrefix(strings.TrimSpace(spec), "cloudtap::")
	if spec == "" {
		return nil, fmt.Errorf("capture: empty source spec")
	}
	var out []ListenerSpec
	for _, part := range strings.Split(spec, "+") {
		l, err := parseListener(part)
		if err != nil {
			return nil, fmt.Errorf("capture: spec %q: %w", part, err)
		}
		out = append(out, l)
	}
	files := 0
	for _, l := range out {
		if l.Kind == KindFile {
			files++
		}
	}
	if files > 0 && files != len(out) {
		return nil, fmt.Errorf("capture: spec %q mixes files with live listeners", spec)
	}
	return out, nil
}

func parseListener(s string) (ListenerSpec, error) {
	u, err := url.Parse(s)
	if err != nil {
		return ListenerSpec{}, err
	}
	l := ListenerSpec{
		Kind: Kind(strings.ToLower(u.Scheme)), RcvBuf: DefaultRcvBuf, Batch: DefaultBatch,
		Snaplen: DefaultSnaplen, Decode: decap.DefaultConfig(),
	}
	if l.Kind == "erspan" {
		l.Kind = KindGRE
	}
	var defaultPort uint16
	switch l.Kind {
	case KindVXLAN:
		defaultPort = decap.PortVXLAN
	case KindGENEVE:
		defaultPort = decap.PortGENEVE
	case KindGRE:
	case KindFile:
		l.Path = u.Path
		if u.Opaque != "" {
			l.Path = u.Opaque
		}
		if l.Path == "" || u.Host != "" {
			return l, fmt.Errorf("file spec needs an absolute path: file:///path/to/trace.pcap")
		}
	case "":
		return l, fmt.Errorf("no scheme: want vxlan://, geneve://, gre://, erspan:// or file://")
	default:
		return l, fmt.Errorf("unknown scheme %q: want vxlan, geneve, gre, erspan or file", u.Scheme)
	}
	if l.Kind != KindFile {
		if u.Path != "" && u.Path != "/" {
			return l, fmt.Errorf("unexpected path %q after the address", u.Path)
		}
		if l.Addr, l.AnyAddr, err = parseHostPort(u.Host, defaultPort, l.Kind == KindGRE); err != nil {
			return l, err
		}
	}
	if err := applyOptions(&l, u.Query()); err != nil {
		return l, err
	}
	return l, nil
}

func parseHostPort(hostport string, defaultPort uint16, noPort bool) (netip.AddrPort, bool, error) {
	host, portStr := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, portStr = h, p
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	}
	port := defaultPort
	if portStr != "" {
		if noPort {
			return netip.AddrPort{}, false, fmt.Errorf("GRE has no ports: drop %q", ":"+portStr)
		}
		p, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			return netip.AddrPort{}, false, fmt.Errorf("bad port %q", portStr)
		}
		port = uint16(p)
	}
	if host == "" {
		return netip.AddrPortFrom(netip.IPv6Unspecified(), port), true, nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, false, fmt.Errorf("host %q is not an IP address", host)
	}
	return netip.AddrPortFrom(a, port), false, nil
}

// listValues splits repeated and comma-separated values.
func listValues(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

func applyOptions(l *ListenerSpec, q url.Values) error {
	for key, vals := range q {
		vs := listValues(vals)
		if len(vs) == 0 {
			return fmt.Errorf("option %s has no value", key)
		}
		one := func() (int, error) {
			if len(vs) != 1 {
				return 0, fmt.Errorf("option %s takes one value", key)
			}
			n, err := strconv.Atoi(vs[0])
			if err != nil || n < 0 {
				return 0, fmt.Errorf("option %s=%s is not a non-negative number", key, vs[0])
			}
			return n, nil
		}
		var err error
		switch key {
		case "allow":
			for _, v := range vs {
				p, perr := netip.ParsePrefix(v)
				if perr != nil {
					a, aerr := netip.ParseAddr(v)
					if aerr != nil {
						return fmt.Errorf("allow=%s is neither a CIDR nor an address", v)
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
				l.Filter.Allow = append(l.Filter.Allow, p.Masked())
			}
		case "session", "vni":
			for _, v := range vs {
				n, perr := strconv.ParseUint(v, 0, 32)
				if perr != nil || n > 0xffffff {
					return fmt.Errorf("%s=%s is not a session id (0..16777215)", key, v)
				}
				l.Filter.Sessions = append(l.Filter.Sessions, uint32(n))
			}
		case "workers":
			l.Filter.Workers, err = one()
		case "worker":
			l.Filter.Worker, err = one()
		case "rcvbuf":
			l.RcvBuf, err = one()
		case "batch":
			l.Batch, err = one()
		case "snaplen":
			l.Snaplen, err = one()
		case "depth":
			l.Decode.MaxDepth, err = one()
		case "vxlan-port", "vxlan-ports", "geneve-port", "geneve-ports":
			var ports []uint16
			for _, v := range vs {
				p, perr := strconv.ParseUint(v, 10, 16)
				if perr != nil || p == 0 {
					return fmt.Errorf("%s=%s is not a UDP port", key, v)
				}
				ports = append(ports, uint16(p))
			}
			if strings.HasPrefix(key, "vxlan") {
				l.Decode.VXLANPorts = ports
			} else {
				l.Decode.GENEVEPorts = ports
			}
		default:
			return fmt.Errorf("unknown option %q", key)
		}
		if err != nil {
			return err
		}
	}
	f := &l.Filter
	if f.Workers > 0 && f.Worker >= f.Workers {
		return fmt.Errorf("worker=%d must be below workers=%d", f.Worker, f.Workers)
	}
	if f.Workers == 0 && f.Worker != 0 {
		return fmt.Errorf("worker=%d needs workers=N", f.Worker)
	}
	if l.Batch < 1 || l.Batch > 1024 {
		return fmt.Errorf("batch=%d out of range 1..1024", l.Batch)
	}
	if l.Snaplen < 128 || l.Snaplen > 65535 {
		return fmt.Errorf("snaplen=%d out of range 128..65535", l.Snaplen)
	}
	return nil
}
