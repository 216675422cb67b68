// Package replay sends frames wrapped in a mirroring tunnel to a sensor: a
// traffic-mirror simulator for tests, benchmarks and `cloudtap replay`.
package replay

import (
	"fmt"
	"net"
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
)

// batchSize is how many packets one sendmmsg call carries at most.
const batchSize = 64

// Sender wraps frames in one tunnel format and sends them to one address.
// Unpaced, it queues packets and sends them 64 at a time with sendmmsg, so
// that the simulator outruns the sensor it tests. Paced, packets leave at
// their due times, those due together in one sendmmsg: a sleep overshoots
// by tens of microseconds, and a syscall and a sleep per packet would cost
// the machine a core at the rates a sensor is benchmarked at, taking it
// from the sensor that shares the machine.
type Sender struct {
	h      encap.Header
	fd     int
	sent   uint64 // packets handed to the kernel
	queued int    // packets in bufs waiting for the next sendmmsg
	calls  uint64 // sendmmsg calls that sent packets
	bufs   [batchSize][]byte
	iovs   [batchSize]unix.Iovec
	hdrs   [batchSize]unix.Mmsghdr
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

// Send wraps one inner frame and queues it; the queue goes out when full,
// when pacing and the next packet is not due yet, and on Flush or Close.
// ERSPAN II/III and GRE number their packets with the GRE sequence, as
// real mirror sessions do.
func (s *Sender) Send(inner []byte) error {
	n := s.sent + uint64(s.queued)
	s.pace(n)
	s.h.Seq = uint32(n)
	s.bufs[s.queued] = append(encap.AppendHeader(s.bufs[s.queued][:0], &s.h), inner...)
	return s.queue()
}

// SendTunnel sends a tunnel packet exactly as captured: the UDP payload of
// a VXLAN or GENEVE packet, or the GRE header onwards, for resending
// mirrored captures as live traffic. The Sender's format picks the socket.
func (s *Sender) SendTunnel(payload []byte) error {
	s.pace(s.sent + uint64(s.queued))
	s.bufs[s.queued] = append(s.bufs[s.queued][:0], payload...)
	return s.queue()
}

func (s *Sender) queue() error {
	s.queued++
	if s.queued == batchSize || (s.pps > 0 && time.Now().Before(s.due(s.sent+uint64(s.queued)))) {
		return s.Flush()
	}
	return nil
}

// pace waits until packet n is due when pacing. What is queued is already
// sent then: queue flushes before any packet that is not due.
func (s *Sender) pace(n uint64) {
	if s.pps <= 0 {
		return
	}
	if s.start.IsZero() {
		s.start = time.Now()
	}
	if d := time.Until(s.due(n)); d > 0 {
		time.Sleep(d)
	}
}

// due is when packet n (from 0) is due when pacing.
func (s *Sender) due(n uint64) time.Time {
	return s.start.Add(time.Duration(n) * time.Second / time.Duration(s.pps))
}

// Flush sends every queued packet. A full socket buffer is waited out, not
// dropped: the simulator must deliver what it was asked to.
func (s *Sender) Flush() error {
	for i := 0; i < s.queued; i++ {
		s.iovs[i].Base = &s.bufs[i][0]
		s.iovs[i].SetLen(len(s.bufs[i]))
		s.hdrs[i] = unix.Mmsghdr{}
		s.hdrs[i].Hdr.Iov, s.hdrs[i].Hdr.Iovlen = &s.iovs[i], 1
	}
	done := 0
	for done < s.queued {
		r, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.hdrs[done])),
			uintptr(s.queued-done), 0, 0, 0)
		switch errno {
		case 0:
			done += int(r)
			s.sent += uint64(r)
			s.calls++
		case unix.EINTR:
		case unix.ENOBUFS, unix.EAGAIN:
			time.Sleep(50 * time.Microsecond)
		default:
			s.queued = 0
			return fmt.Errorf("replay: sending packet %d: %w", s.sent+1, errno)
		}
	}
	s.queued = 0
	return nil
}

// Sent is how many packets were handed to the kernel.
func (s *Sender) Sent() uint64 { return s.sent }

// Close sends what is queued and closes the socket.
func (s *Sender) Close() error {
	ferr := s.Flush()
	if err := unix.Close(s.fd); err != nil {
		return err
	}
	return ferr
}
