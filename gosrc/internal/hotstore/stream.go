package hotstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Stream is the handle of one open log path. Write, Flush, Stats and Close
// are safe for concurrent use.
type Stream struct {
	w      *Writer
	path   string
	key    string // stream/list key or pub/sub channel
	marker string // dedup marker key of this writer for key
	q      *queue
	counters

	mu     sync.Mutex // orders Write against Close
	closed bool

	accepted atomic.Uint64 // records ever queued
	settled  atomic.Uint64 // records ever acknowledged or given up after queueing

	progressMu sync.Mutex
	progress   chan struct{} // closed and replaced whenever settled grows

	stop   chan struct{} // closed by Close: the deliverer must exit
	exited chan struct{} // closed by the deliverer when it has exited
	wrote  chan struct{} // a delivery happened: wakes the retention loop

	retained chan struct{} // closed by the retention loop when it has exited

	// dialCtx ends a connect or login that waits on a hung server, when
	// cutLive runs.
	dialCtx    context.Context
	cancelDial context.CancelFunc
	liveMu     sync.Mutex
	live       redis.Conn // the deliverer's connection, for cutLive
	cut        bool       // cutLive has run: no new connection

	leftover  []*batch // batches the deliverer held when it exited
	closeOnce sync.Once
	closeErr  error
}

func newStream(w *Writer, path string) *Stream {
	key := w.cfg.KeyPrefix + path
	dialCtx, cancelDial := context.WithCancel(context.Background())
	return &Stream{
		dialCtx:    dialCtx,
		cancelDial: cancelDial,
		w:          w,
		path:       path,
		key:        key,
		marker:     markerKey(key, w.id),
		q:          newQueue(),
		progress:   make(chan struct{}),
		stop:       make(chan struct{}),
		exited:     make(chan struct{}),
		wrote:      make(chan struct{}, 1),
		retained:   make(chan struct{}),
	}
}

// Path is the log path; Key is the Redis key or channel it is written to.
func (s *Stream) Path() string { return s.path }
func (s *Stream) Key() string  { return s.key }

// Write appends records, each one Zeek JSON log line, in order. It copies
// them, so the caller may reuse its buffers at once. It returns as soon as
// the records are buffered; delivery to Redis happens in the background.
// While the buffer is full, Write waits at most Config.BlockTimeout in all,
// taking records as room frees up; what still does not fit (always a tail,
// so order holds) is dropped and reported in the returned *DropError.
// Records are opaque bytes: no content makes Write fail or panic.
func (s *Stream) Write(records [][]byte) error {
	if len(records) == 0 {
		return nil
	}
	owned, _ := copyRecords(records)
	var timeout <-chan time.Time
	rest := owned
	for len(rest) > 0 {
		n, freed := s.w.budget.tryTake(rest)
		if n > 0 {
			if err := s.enqueue(rest[:n], len(rest)); err != nil {
				return err
			}
			rest = rest[n:]
			continue
		}
		if s.w.cfg.BlockTimeout <= 0 {
			break
		}
		if timeout == nil {
			t := time.NewTimer(s.w.cfg.BlockTimeout)
			defer t.Stop()
			timeout = t.C
		}
		timedOut := false
		select {
		case <-freed:
		case <-timeout:
			timedOut = true
		}
		if timedOut {
			break
		}
	}
	if len(rest) > 0 {
		used, usedBytes := s.w.budget.used()
		detail := fmt.Sprintf("buffer holds %d records / %d bytes of at most %d / %d; last error: %s",
			used, usedBytes, s.w.cfg.BufferMaxRecords, s.w.cfg.BufferMaxBytes, s.snapshot().LastError)
		return s.drop(len(rest), ErrBufferFull, detail)
	}
	return nil
}

// enqueue queues records whose budget is already taken. On a closed stream
// it gives the budget back and drops them together with the unqueued
// remainder of the Write (remaining counts both).
func (s *Stream) enqueue(kept [][]byte, remaining int) error {
	size := totalBytes(kept)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.w.budget.release(len(kept), size)
		return s.drop(remaining, ErrClosed, "")
	}
	s.buffered.Add(int64(len(kept)))
	s.bufferedBytes.Add(size)
	s.accepted.Add(uint64(len(kept)))
	s.q.push(kept)
	s.mu.Unlock()
	return nil
}

// copyRecords copies records into one allocation.
func copyRecords(records [][]byte) ([][]byte, int64) {
	size := totalBytes(records)
	arena := make([]byte, 0, size)
	out := make([][]byte, len(records))
	for i, r := range records {
		start := len(arena)
		arena = append(arena, r...)
		out[i] = arena[start:len(arena):len(arena)]
	}
	return out, size
}

func totalBytes(records [][]byte) int64 {
	var n int64
	for _, r := range records {
		n += int64(len(r))
	}
	return n
}

// drop counts and reports records given up on, and returns the report.
func (s *Stream) drop(n int, reason error, detail string) error {
	s.dropped.Add(uint64(n))
	err := &DropError{Path: s.path, Dropped: n, Err: reason, Detail: detail}
	s.setError(err)
	s.w.report(err)
	return err
}

// Flush waits until every record accepted before the call is acknowledged
// by Redis (or given up by Close), or until ctx ends.
func (s *Stream) Flush(ctx context.Context) error {
	target := s.accepted.Load()
	for {
		s.progressMu.Lock()
		wake := s.progress
		s.progressMu.Unlock()
		if s.settled.Load() >= target {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			st := s.Stats()
			return fmt.Errorf("hotstore: flush %q: %d records still buffered (last error: %s): %w",
				s.path, st.Buffered, st.LastError, ctx.Err())
		}
	}
}

// settle marks n records of size bytes as leaving the buffer, written or
// not, and wakes Flush callers.
func (s *Stream) settle(n int, size int64) {
	s.buffered.Add(-int64(n))
	s.bufferedBytes.Add(-size)
	s.w.budget.release(n, size)
	s.settled.Add(uint64(n))
	s.progressMu.Lock()
	close(s.progress)
	s.progress = make(chan struct{})
	s.progressMu.Unlock()
}

// Stats returns this path's counters.
func (s *Stream) Stats() Stats { return s.snapshot() }

// Close stops accepting records, delivers what it can until ctx ends, and
// stops the path's goroutine (which first finishes a delivery already in
// progress, bounded by Config.IOTimeout). Records still undelivered are
// counted as dropped and reported in the returned *DropError.
func (s *Stream) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()

		flushErr := s.Flush(ctx)
		close(s.stop)
		select {
		case <-s.exited:
		case <-ctx.Done():
			// The deliverer waits on a server that does not answer (up to
			// io-timeout): the close's deadline is the caller's, not that.
			s.cutLive()
			<-s.exited
		}
		// A retention pass in flight finishes within the I/O timeout; the
		// close does not wait for it past its own deadline.
		select {
		case <-s.retained:
		case <-ctx.Done():
		}

		var left [][]byte
		for _, b := range s.leftover {
			left = append(left, b.records...)
		}
		s.leftover = nil
		left = append(left, s.q.drain()...)
		if len(left) > 0 {
			s.settle(len(left), totalBytes(left))
			dropErr := s.drop(len(left), ErrUndelivered, flushErrText(flushErr))
			s.closeErr = dropErr
		}
		s.cancelDial()
		s.w.retire(s)
	})
	return s.closeErr
}

func flushErrText(err error) string {
	if err == nil {
		return ""
	}
	var de *DropError
	if errors.As(err, &de) {
		return de.Detail
	}
	return err.Error()
}
