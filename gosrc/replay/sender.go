// Package replay sends frames wrapped in a mirroring tunnel to a sensor: a
// traffic-mirror simulator for tests, benchmarks and `cloudtap replay`.
package replay

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cloudtap/cloudtap/gosrc/encap"
)

// Sender wraps frames in one tunnel format and sends them to one address.
type Sender struct {
	h    encap.Header
	fd   int
	buf  []byte
	sent uint64
	// pacing
	pps   int
	start time.Time
}

// NewSender opens a socket towards to ("host:port" for VXLAN and GENEVE, the
// port defaulting to the IANA one; "host" for GRE formats, which need root
// or CAP_NET_RAW). pps > 0 paces sending to that many packets per second.
func NewSender(to string, h encap.Header, pps int) (*Sender, error) {
	if err := h.Check(); err != nil {
		return nil, err
	}
	dst, err := resolve(to, h.Format)
	if err != nil {
		return nil, err
	}
	family := unix.AF_INET
	if dst.Addr().Is6() {
		family = unix.AF_INET6
	}
	typ, proto := unix.SOCK_DGRAM, unix.IPPROTO_UDP
	if !h.Format.OverUDP() {
		typ, proto = unix.SOCK_RAW, unix.IPPROTO_GRE
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		if !h.Format.OverUDP() && err == unix.EPERM {
			return nil, fmt.Errorf("replay: %v needs a raw IP socket: run as root or with CAP_NET_RAW", h.Format)
		}
		return nil, fmt.Errorf("replay: socket: %w", err)
	}
	var sa unix.Sockaddr
	if dst.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(dst.Port()), Addr: dst.Addr().As4()}
	} else {
		sa = &unix.SockaddrInet6{Port: int(dst.Port()), Addr: dst.Addr().As16()}
	}
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("replay: connecting to %v: %w", dst, err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 8<<20)
	return &Sender{h: h, fd: fd, pps: pps}, nil
}

func resolve(to string, f encap.Format) (netip.AddrPort, error) {
	if !f.OverUDP() {
		a, err := netip.ParseAddr(to)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("replay: %v sends to an IP address, not %q", f, to)
		}
		return netip.AddrPortFrom(a, 0), nil
	}
	host, port, err := net.SplitHostPort(to)
	if err != nil {
		host, port = to, fmt.Sprint(f.DefaultPort())
	}
	ua, err := net.ResolveUDPAddr("udp", net.JoinHostPort(host, port))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("replay: destination %q: %w", to, err)
	}
	return ua.AddrPort(), nil
}

// Send wraps one inner frame and sends it. ERSPAN II/III and GRE number
// their packets with the GRE sequence, as real mirror sessions do.
func (s *Sender) Send(inner []byte) error {
	if s.pps > 0 {
		if s.start.IsZero() {
			s.start = time.Now()
		}
		due := s.start.Add(time.Duration(s.sent) * time.Second / time.Duration(s.pps))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
	}
	s.h.Seq = uint32(s.sent)
	s.buf = append(encap.AppendHeader(s.buf[:0], &s.h), inner...)
	for {
		_, err := unix.Write(s.fd, s.buf)
		if err == unix.EINTR {
			continue
		}
		if err == unix.ENOBUFS || err == unix.EAGAIN {
			time.Sleep(50 * time.Microsecond) // the socket buffer is full: wait, don't drop
			continue
		}
		if err != nil {
			return fmt.Errorf("replay: sending packet %d: %w", s.sent+1, err)
		}
		break
	}
	s.sent++
	return nil
}

// Sent is how many packets were sent.
func (s *Sender) Sent() uint64 { return s.sent }

// Close closes the socket.
func (s *Sender) Close() error { return unix.Close(s.fd) }
