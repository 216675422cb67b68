package capture

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/ipfrag"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// Kind is how a listener receives tunnels.
type Kind string

const (
	KindVXLAN  Kind = "vxlan"  // UDP socket, VXLAN
	KindGENEVE Kind = "geneve" // UDP socket, GENEVE
	KindGREUDP Kind = "greudp" // UDP socket, GRE-in-UDP (RFC 8086)
	KindGRE    Kind = "gre"    // raw IP socket for protocol 47: GRE and ERSPAN I/II/III
	KindFile   Kind = "file"   // pcap or pcapng file of mirrored traffic
)

// Defaults of listener options.
const (
	DefaultRcvBuf  = 64 << 20
	DefaultBatch   = 64
	DefaultSnaplen = 16384 // covers 9001-byte jumbo frames plus tunnel headers
	DefaultRing    = 8     // batches of 256: about 2 000 packets beside the socket buffer
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
	Ring    int // batches a receiver thread holds for the caller; 0: receive on the caller's thread
	// Reassembly bounds the reassembly of fragmented tunnel packets (file
	// listeners; the kernel reassembles for sockets).
	Reassembly ipfrag.Config
}

// ParseSpec reads a source spec: one or more listener URLs joined by '+'.
//
//	vxlan://[HOST][:PORT][?OPTIONS]    UDP, default port 4789
//	geneve://[HOST][:PORT][?OPTIONS]   UDP, default port 6081
//	greudp://[HOST][:PORT][?OPTIONS]   UDP, GRE-in-UDP (RFC 8086), default port 4754
//	gre://[HOST][?OPTIONS]             IP protocol 47: GRE, ERSPAN I/II/III (alias erspan://)
//	file:///PATH[?OPTIONS]             pcap or pcapng of mirrored traffic
//
// OPTIONS are the URL query, the rows of Options (cloudtap options
// capture prints them).
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
		var oe *option.Error
		if errors.As(err, &oe) {
			oe.Where = fmt.Sprintf("spec %q", part)
			return nil, oe
		}
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
	l := ListenerSpec{Kind: Kind(strings.ToLower(u.Scheme)), Decode: decap.DefaultConfig()}
	Options.ApplyDefaults(&l)
	if l.Kind == "erspan" {
		l.Kind = KindGRE
	}
	var defaultPort uint16
	switch l.Kind {
	case KindVXLAN:
		defaultPort = decap.PortVXLAN
	case KindGENEVE:
		defaultPort = decap.PortGENEVE
	case KindGREUDP:
		defaultPort = decap.PortGREUDP
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
		return l, fmt.Errorf("no scheme: want vxlan://, geneve://, greudp://, gre://, erspan:// or file://")
	default:
		return l, fmt.Errorf("unknown scheme %q: want vxlan, geneve, greudp, gre, erspan or file", u.Scheme)
	}
	if l.Kind != KindFile {
		if u.Path != "" && u.Path != "/" {
			return l, fmt.Errorf("unexpected path %q after the address", u.Path)
		}
		if l.Addr, l.AnyAddr, err = parseHostPort(u.Host, defaultPort, l.Kind == KindGRE); err != nil {
			return l, err
		}
	}
	if err := applyOptions(&l, u.RawQuery); err != nil {
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
