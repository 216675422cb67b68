package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// receiver moves receiving off the caller's thread (Zeek's analysis
// thread): a goroutine on a thread of its own reads the sockets, decodes
// and filters into batches of its own, at most depth of them waiting, and
// read copies the oldest into the caller's batch. The syscalls, the
// kernel's copies and the decoding then cost another core; the kernel
// drops only once the ring is full and the socket buffer after it.
type receiver struct {
	src  *Source
	free chan *Batch // empty batches for the goroutine
	full chan *Batch // filled batches for read, oldest first
	efd  int         // eventfd, readable while full batches may wait
	stop chan struct{}
	done sync.WaitGroup

	cur  *Batch // the batch read is taking packets from
	next int    // its first packet not yet taken
	// queued counts packets in the ring not yet handed to the caller:
	// counted Delivered by the listeners, they are not delivered yet.
	queued atomic.Int64
	err    error // the goroutine's error, once full is closed
}

// ringPackets is the capacity of each ring batch; its data holds that
// many frames of the largest snap length, so that it fills by count.
const ringPackets = 256

// waitMillis bounds each sleep of the goroutine on the sockets, so that it
// sees a stop soon.
const waitMillis = 50

func newReceiver(s *Source, depth, snap int) (*receiver, error) {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("capture: eventfd: %w", err)
	}
	r := &receiver{src: s, efd: efd, free: make(chan *Batch, depth), full: make(chan *Batch, depth), stop: make(chan struct{})}
	for i := 0; i < depth; i++ {
		r.free <- NewBatch(ringPackets, ringPackets*snap)
	}
	r.done.Add(1)
	go r.run()
	return r, nil
}

// run fills free batches from the sockets and queues them, until stopped
// or a socket fails.
func (r *receiver) run() {
	defer r.done.Done()
	defer close(r.full)
	// A thread of its own: the receive loop must not wait for Go to
	// schedule it beside the caller's cgo calls.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ev [1]unix.EpollEvent
	for {
		var b *Batch
		select {
		case b = <-r.free:
		case <-r.stop:
			return
		}
		b.Reset()
		for {
			// Under load, a batch fills before it is queued; idle, what
			// came is queued at once.
			n, err := r.src.readListeners(b)
			r.queued.Add(int64(n))
			if err != nil {
				r.err = err
				if b.N > 0 {
					r.full <- b // what came before the error is kept
				}
				return
			}
			if n > 0 && !b.Full(1) {
				continue
			}
			if b.N > 0 {
				break
			}
			select {
			case <-r.stop:
				return
			default:
			}
			if _, err := unix.EpollWait(r.src.epfd, ev[:], waitMillis); err != nil && err != unix.EINTR {
				r.err = fmt.Errorf("capture: epoll wait: %w", err)
				return
			}
		}
		r.full <- b     // never blocks: depth batches exist in all
		var one [8]byte // an eventfd takes a uint64 in the host's byte order
		binary.NativeEndian.PutUint64(one[:], 1)
		if _, err := unix.Write(r.efd, one[:]); err != nil && err != unix.EAGAIN {
			r.err = fmt.Errorf("capture: eventfd write: %w", err)
			return
		}
	}
}

// read copies waiting packets into b without blocking; 0, nil when none
// wait. Once the goroutine has failed, its error.
func (r *receiver) read(b *Batch) (int, error) {
	total := 0
	for {
		if r.cur == nil {
			if !r.take() {
				break
			}
		}
		n := r.copyOut(b)
		total += n
		if r.next < r.cur.N {
			break // b is full
		}
		r.free <- r.cur
		r.cur = nil
	}
	if total > 0 {
		return total, nil
	}
	if r.cur == nil && r.full == nil {
		return 0, r.err
	}
	return 0, nil
}

// take makes the oldest full batch current, if one waits. When none does
// it clears the eventfd, then looks once more, so that a batch queued
// between the look and the clear keeps the descriptor readable.
func (r *receiver) take() bool {
	for clear := false; ; clear = true {
		select {
		case b, ok := <-r.full:
			if !ok {
				r.full = nil // the goroutine ended: r.err says why
				return false
			}
			r.cur, r.next = b, 0
			return true
		default:
		}
		if clear || r.full == nil {
			return false
		}
		var v [8]byte
		_, _ = unix.Read(r.efd, v[:]) // EAGAIN: already clear
	}
}

// copyOut copies packets of the current batch into b while they fit.
func (r *receiver) copyOut(b *Batch) int {
	c := r.cur
	n := 0
	for ; r.next < c.N; r.next++ {
		m := &c.Meta[r.next]
		if b.N == len(b.Meta) || (len(b.Data)-b.used < int(m.CapLen) && b.N > 0) {
			break // an empty b takes the frame, truncated if it must be
		}
		out := &b.Meta[b.N]
		*out = *m
		out.Offset = uint32(b.used)
		out.CapLen = uint32(copy(b.Data[b.used:], c.Data[m.Offset:m.Offset+m.CapLen]))
		b.used += int(out.CapLen)
		b.N++
		n++
	}
	r.queued.Add(-int64(n))
	return n
}

// close stops the goroutine and waits for it; what the ring still holds
// stays counted as Queued.
func (r *receiver) close() error {
	close(r.stop)
	r.done.Wait()
	return errors.Join(r.err, unix.Close(r.efd))
}
