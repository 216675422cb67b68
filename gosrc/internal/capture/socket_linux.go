package capture

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/flowhash"
)

// socketListener receives tunnel packets on one socket: UDP for VXLAN,
// GENEVE and GRE-in-UDP, raw IP protocol 47 for GRE and ERSPAN.
type socketListener struct {
	kind  Kind
	ipv4  bool // raw IPv4 sockets deliver the IP header too
	local netip.AddrPort
	m     *mmsg
	pl    *pipeline
	// drops is the socket's own drop counter as last read (sockDrops),
	// kept for the stats after close.
	drops atomic.Uint32
}

func openSocket(l ListenerSpec, family int, dec *decap.Decoder) (*socketListener, error) {
	addr := l.Addr
	if family == unix.AF_INET && addr.Addr().Is6() {
		addr = netip.AddrPortFrom(netip.IPv4Unspecified(), addr.Port())
	}
	typ, proto := unix.SOCK_DGRAM, unix.IPPROTO_UDP
	if l.Kind == KindGRE {
		typ, proto = unix.SOCK_RAW, unix.IPPROTO_GRE
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, fmt.Errorf("%s socket: %w", l.Kind, err)
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	if err := setupSocket(fd, l.RcvBuf); err != nil {
		return nil, fmt.Errorf("%s %v: %w", l.Kind, addr, err)
	}
	steer := l.Kind != KindGRE && l.Filter.Workers > 1
	if l.Kind != KindGRE {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return nil, fmt.Errorf("SO_REUSEADDR: %w", err)
		}
		if steer {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				return nil, fmt.Errorf("SO_REUSEPORT: %w", err)
			}
		}
	}
	if family == unix.AF_INET6 && l.AnyAddr && l.Kind != KindGRE {
		// One socket serves IPv4 and IPv6 senders.
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0); err != nil {
			return nil, fmt.Errorf("IPV6_V6ONLY: %w", err)
		}
	}
	if err := unix.Bind(fd, sockaddr(addr)); err != nil {
		return nil, fmt.Errorf("%s: binding %v: %w", l.Kind, addr, err)
	}
	if steer {
		enc := map[Kind]decap.Encap{KindVXLAN: decap.EncapVXLAN, KindGENEVE: decap.EncapGENEVE, KindGREUDP: decap.EncapGRE}[l.Kind]
		prog, err := flowhash.ReuseportProgram(enc, l.Filter.Workers)
		if err != nil {
			return nil, err
		}
		if err := attachReuseport(fd, prog); err != nil {
			return nil, fmt.Errorf("%s %v: steering flows to %d workers: %w", l.Kind, addr, l.Filter.Workers, err)
		}
	}
	local, err := localAddr(fd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.Kind, err)
	}
	ok = true
	return &socketListener{
		kind: l.Kind, ipv4: family == unix.AF_INET, local: local,
		m:  newMmsg(fd, l.Batch, l.Snaplen),
		pl: newPipeline(dec, l.Filter, l.Kind == KindGRE),
	}, nil
}

func (s *socketListener) fd() int { return s.m.fd }

func (s *socketListener) readBatch(b *Batch) (int, error) {
	want := b.slotsFor(s.m.snap)
	if want == 0 {
		return 0, nil
	}
	n, err := s.m.recv(want)
	if err != nil || n == 0 {
		return 0, err
	}
	before := b.N
	pl := s.pl
	for i := 0; i < n; i++ {
		data, wireLen := s.m.data(i)
		peer := s.m.peer(i)
		ts := s.m.timestamp(i)
		if pl.refuseEarly(peer.Addr(), wireLen) {
			continue
		}
		var derr error
		switch {
		case s.kind == KindVXLAN:
			derr = pl.dec.DecodeUDPPayload(data, decap.EncapVXLAN, peer, s.local, &pl.pkt)
		case s.kind == KindGENEVE:
			derr = pl.dec.DecodeUDPPayload(data, decap.EncapGENEVE, peer, s.local, &pl.pkt)
		case s.kind == KindGREUDP:
			derr = pl.dec.DecodeUDPPayload(data, decap.EncapGRE, peer, s.local, &pl.pkt)
		case s.ipv4:
			derr = pl.dec.DecodeFrame(data, decap.LinkIPv4, &pl.pkt)
		default:
			derr = pl.dec.DecodeGRE(data, peer.Addr(), s.local.Addr(), &pl.pkt)
		}
		pl.deliver(b, derr, ts, wireLen, false)
	}
	return b.N - before, nil
}

// stats are the pipeline's counts with the kernel's drops for the socket
// read now, so they are exact at any moment: a count carried by packets
// (SO_RXQ_OVFL) lags under overload, when no packet follows the drops.
func (s *socketListener) stats() Stats {
	st := s.pl.c.snapshot()
	if d, err := sockDrops(s.m.fd); err == nil {
		s.drops.Store(d)
	}
	st.KernelDrops = uint64(s.drops.Load())
	return st
}

func (s *socketListener) close() error {
	if d, err := sockDrops(s.m.fd); err == nil {
		s.drops.Store(d) // the count at close, for stats read after it
	}
	return unix.Close(s.m.fd)
}

// sockDrops reads the socket's own drop counter (sk_drops, SO_MEMINFO's
// SK_MEMINFO_DROPS): every datagram the kernel dropped for this socket
// because its receive buffer was full, counted since it was opened.
func sockDrops(fd int) (uint32, error) {
	var info [unix.SK_MEMINFO_VARS]uint32
	size := uint32(unsafe.Sizeof(info))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_MEMINFO,
		uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 {
		return 0, errno
	}
	return info[unix.SK_MEMINFO_DROPS], nil
}

func (s *socketListener) String() string { return fmt.Sprintf("%s://%v", s.kind, s.local) }
