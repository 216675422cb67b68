package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsg is a set of preallocated recvmmsg headers, buffers, address and
// control slots, reused for every call so that receiving allocates nothing.
type mmsg struct {
	fd    int
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	slab  []byte
	names []unix.RawSockaddrInet6
	ctrl  []byte
	snap  int
}

const ctrlPerMsg = 64 // room for SCM_TIMESTAMPNS

func newMmsg(fd, n, snap int) *mmsg {
	m := &mmsg{
		fd: fd, snap: snap,
		hdrs:  make([]unix.Mmsghdr, n),
		iovs:  make([]unix.Iovec, n),
		slab:  make([]byte, n*snap),
		names: make([]unix.RawSockaddrInet6, n),
		ctrl:  make([]byte, n*ctrlPerMsg),
	}
	for i := range m.hdrs {
		m.iovs[i].Base = &m.slab[i*snap]
		m.iovs[i].SetLen(snap)
		h := &m.hdrs[i].Hdr
		h.Iov, h.Iovlen = &m.iovs[i], 1
		h.Name = (*byte)(unsafe.Pointer(&m.names[i]))
		h.Control = &m.ctrl[i*ctrlPerMsg]
	}
	return m
}

// recv receives up to n datagrams without blocking; 0 means none queued.
// MSG_TRUNC makes each Len the datagram's real length even when longer
// than snaplen.
func (m *mmsg) recv(n int) (int, error) {
	n = min(n, len(m.hdrs))
	for i := 0; i < n; i++ {
		h := &m.hdrs[i].Hdr
		h.Namelen = unix.SizeofSockaddrInet6
		h.SetControllen(ctrlPerMsg)
		h.Flags = 0
	}
	for {
		r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(m.fd), uintptr(unsafe.Pointer(&m.hdrs[0])),
			uintptr(n), unix.MSG_DONTWAIT|unix.MSG_TRUNC, 0, 0)
		switch {
		case errno == 0:
			return int(r), nil
		case errno == unix.EINTR:
			continue
		case errno == unix.EAGAIN:
			return 0, nil
		default:
			return 0, fmt.Errorf("recvmmsg: %w", errno)
		}
	}
}

// data is datagram i as captured and its real length.
func (m *mmsg) data(i int) ([]byte, int) {
	n := int(m.hdrs[i].Len)
	return m.slab[i*m.snap : i*m.snap+min(n, m.snap)], n
}

// peer is datagram i's source address and port.
func (m *mmsg) peer(i int) netip.AddrPort {
	sa := &m.names[i]
	port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
	}
	return netip.AddrPort{}
}

// timestamp reads datagram i's kernel receive time (ns), 0 if the kernel
// sent none.
func (m *mmsg) timestamp(i int) (ts int64) {
	h := &m.hdrs[i].Hdr
	ctrl := m.ctrl[i*ctrlPerMsg : i*ctrlPerMsg+int(h.Controllen)]
	for len(ctrl) >= unix.SizeofCmsghdr {
		c := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[0]))
		if int(c.Len) < unix.SizeofCmsghdr || int(c.Len) > len(ctrl) {
			break
		}
		body := ctrl[unix.SizeofCmsghdr:c.Len]
		if c.Level == unix.SOL_SOCKET && c.Type == unix.SO_TIMESTAMPNS && len(body) >= int(unsafe.Sizeof(unix.Timespec{})) {
			ts = (*unix.Timespec)(unsafe.Pointer(&body[0])).Nano()
		}
		next := cmsgAlign(int(c.Len))
		if next >= len(ctrl) {
			break
		}
		ctrl = ctrl[next:]
	}
	return ts
}

func cmsgAlign(n int) int {
	const a = int(unsafe.Sizeof(uintptr(0)))
	return (n + a - 1) &^ (a - 1)
}

// setupSocket sets the options every listening socket shares: a large
// receive buffer (SO_RCVBUFFORCE needs CAP_NET_ADMIN; SO_RCVBUF is capped by
// net.core.rmem_max) and kernel timestamps. Drops are read from the socket
// itself (sockDrops).
func setupSocket(fd, rcvbuf int) error {
	if rcvbuf > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf); err != nil {
				return fmt.Errorf("setting receive buffer to %d bytes: %w", rcvbuf, err)
			}
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fmt.Errorf("enabling kernel timestamps: %w", err)
	}
	return nil
}

// sockaddr converts an address for bind.
func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// localAddr is the bound address of fd (tests bind port 0).
func localAddr(fd int) (netip.AddrPort, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)), nil
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)), nil
	}
	return netip.AddrPort{}, errors.New("unknown socket address family")
}
