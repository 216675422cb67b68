package capture

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cloudtap/cloudtap/gosrc/decap"
)

type listener interface {
	readBatch(b *Batch) (int, error)
	fd() int
	stats() Stats
	close() error
	String() string
}

// Source is an opened spec: one or more listeners read in turn.
type Source struct {
	listeners []listener
	done      []bool // files that reached their end
	epfd      int
	live      bool
	next      int       // listener to read first, so none starves
	rx        *receiver // receives on a thread of its own (ring=), or nil
	// final are the counts at Close, what Stats returns after it.
	final  Stats
	closed bool
}

// Open parses spec (see ParseSpec) and opens every listener in it.
func Open(spec string) (*Source, error) {
	ls, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	return OpenListeners(ls)
}

// OpenListeners opens already parsed listeners.
func OpenListeners(specs []ListenerSpec) (*Source, error) {
	s := &Source{epfd: -1}
	fail := func(err error) (*Source, error) {
		s.Close()
		return nil, err
	}
	for _, l := range specs {
		dec, err := decap.NewDecoder(l.Decode)
		if err != nil {
			return fail(fmt.Errorf("capture: %s: %w", l.Kind, err))
		}
		switch l.Kind {
		case KindFile:
			fl, err := openFile(l, dec)
			if err != nil {
				return fail(fmt.Errorf("capture: %w", err))
			}
			s.listeners = append(s.listeners, fl)
		case KindVXLAN, KindGENEVE, KindGREUDP, KindGRE:
			s.live = true
			families := []int{unix.AF_INET}
			switch {
			case l.Addr.Addr().Is6() && !l.AnyAddr:
				families = []int{unix.AF_INET6}
			case l.AnyAddr && l.Kind == KindGRE:
				// Raw IPv6 sockets never see IPv4: open one of each.
				families = []int{unix.AF_INET, unix.AF_INET6}
			case l.AnyAddr:
				families = []int{unix.AF_INET6} // dual-stack
			}
			for _, fam := range families {
				sl, err := openSocket(l, fam, dec)
				if err != nil {
					return fail(fmt.Errorf("capture: %w", err))
				}
				s.listeners = append(s.listeners, sl)
			}
		default:
			return fail(fmt.Errorf("capture: unknown listener kind %q", l.Kind))
		}
	}
	s.done = make([]bool, len(s.listeners))
	if s.live {
		if err := s.setupEpoll(); err != nil {
			return fail(err)
		}
		if depth, snap := ringOf(specs); depth > 0 {
			rx, err := newReceiver(s, depth, snap)
			if err != nil {
				return fail(err)
			}
			s.rx = rx
		}
	}
	return s, nil
}

// setupEpoll makes one descriptor that is readable when any socket is, so
// that Zeek's IO loop (or Wait) can sleep on a single fd.
func (s *Source) setupEpoll() error {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("capture: epoll: %w", err)
	}
	s.epfd = fd
	for _, l := range s.listeners {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(l.fd())}
		if err := unix.EpollCtl(fd, unix.EPOLL_CTL_ADD, l.fd(), &ev); err != nil {
			return fmt.Errorf("capture: epoll add %s: %w", l, err)
		}
	}
	return nil
}

// Live says whether the source reads sockets (else files).
func (s *Source) Live() bool { return s.live }

// ringOf is the receiver ring a source's listeners ask for: the largest
// depth any gives (ring=), and the largest snap length, which sizes its
// batches.
func ringOf(specs []ListenerSpec) (depth, snap int) {
	for _, l := range specs {
		depth, snap = max(depth, l.Ring), max(snap, l.Snaplen)
	}
	return depth, snap
}

// Fd is readable when packets are waiting; -1 for files, which are always
// ready until they end.
func (s *Source) Fd() int {
	if s.rx != nil {
		return s.rx.efd
	}
	return s.epfd
}

// ReadBatch appends to b whatever packets are ready, without blocking. It
// returns 0, nil when none are, and io.EOF once every file has ended.
func (s *Source) ReadBatch(b *Batch) (int, error) {
	if s.rx != nil {
		return s.rx.read(b)
	}
	return s.readListeners(b)
}

// readListeners reads the listeners in turn into b (on the receiver's
// thread when there is one).
func (s *Source) readListeners(b *Batch) (int, error) {
	total := 0
	n := len(s.listeners)
	for k := 0; k < n && !b.Full(1); k++ {
		i := (s.next + k) % n
		if s.done[i] {
			continue
		}
		got, err := s.listeners[i].readBatch(b)
		total += got
		if errors.Is(err, io.EOF) {
			s.done[i] = true
			continue
		}
		if err != nil {
			return total, err
		}
	}
	s.next = (s.next + 1) % max(n, 1)
	if total == 0 && !s.live && s.allDone() {
		return 0, io.EOF
	}
	return total, nil
}

func (s *Source) allDone() bool {
	for _, d := range s.done {
		if !d {
			return false
		}
	}
	return true
}

// Wait sleeps until a packet may be ready or the timeout passes; for
// programs without an event loop of their own (cloudtap listen).
func (s *Source) Wait(timeout time.Duration) error {
	if !s.live {
		return nil
	}
	fds := []unix.PollFd{{Fd: int32(s.Fd()), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, int(timeout.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("capture: poll: %w", err)
		}
		return nil
	}
}

// Stats sums the counters of every listener.
func (s *Source) Stats() Stats {
	if s.closed {
		return s.final
	}
	var st Stats
	for _, l := range s.listeners {
		st.Add(l.stats())
	}
	if s.rx != nil {
		// Read after the listeners' counts: a packet counted Delivered
		// there and handed out meanwhile is not counted twice, at worst
		// it is missing from Queued for this one read.
		st.Queued = uint64(max(s.rx.queued.Load(), 0))
		st.Delivered -= min(st.Queued, st.Delivered)
	}
	return st
}

// LocalAddrs are the bound addresses of the socket listeners.
func (s *Source) LocalAddrs() []netip.AddrPort {
	var out []netip.AddrPort
	for _, l := range s.listeners {
		if sl, ok := l.(*socketListener); ok {
			out = append(out, sl.local)
		}
	}
	return out
}

func (s *Source) String() string {
	names := make([]string, len(s.listeners))
	for i, l := range s.listeners {
		names[i] = l.String()
	}
	return strings.Join(names, "+")
}

// Close closes every listener; it is safe on a partly opened Source.
func (s *Source) Close() error {
	var errs []error
	if s.rx != nil {
		// Stopped before the sockets close under it.
		errs = append(errs, s.rx.close())
	}
	for _, l := range s.listeners {
		if err := l.close(); err != nil {
			errs = append(errs, err)
		}
	}
	if s.listeners != nil {
		// The counts at close, the kernel's drops included, stay readable.
		s.final = s.Stats()
		s.closed = true
	}
	s.listeners = nil
	if s.epfd >= 0 {
		errs = append(errs, unix.Close(s.epfd))
		s.epfd = -1
	}
	s.rx = nil
	return errors.Join(errs...)
}
