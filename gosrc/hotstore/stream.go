package hotstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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

	stop      chan struct{} // closed by Close: the deliverer must exit
	exited    chan struct{} // closed by the deliverer when it has exited
	leftover  *batch        // the batch the deliverer held when it exited
	closeOnce sync.Once
	closeErr  error
}

func newStream(w *Writer, path string) *Stream {
	key := w.cfg.KeyPrefix + path
	return &Stream{
		w:        w,
		path:     path,
		key:      key,
		marker:   markerKey(key, w.id),
		q:        newQueue(),
		progress: make(chan struct{}),
		stop:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
}

// Path is the log path; Key is the Redis key or channel it is written to.
func (s *Stream) Path() string { return s.path }
func (s *Stream) Key() string  { return s.key }

// Write appends records, each one Zeek JSON log line, in order. It copies
// them, so the caller may reuse its buffers at once. It returns as soon as
// the records are buffered; delivery to Redis happens in the background.
// If the buffer is full, Write waits at most Config.BlockTimeout, keeps the
// records that fit (a prefix, so order holds) and drops the rest, returning
// a *DropError. It never panics on bad input: a record is opaque bytes.
func (s *Stream) Write(records [][]byte) error {
	if len(records) == 0 {
		return nil
	}
	owned, _ := copyRecords(records)
	n := s.w.budget.take(owned, s.w.cfg.BlockTimeout)
	kept := owned[:n]
	keptBytes := totalBytes(kept)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.w.budget.release(n, keptBytes)
		return s.drop(len(owned), ErrClosed, "")
	}
	s.buffered.Add(int64(n))
	s.bufferedBytes.Add(keptBytes)
	s.accepted.Add(uint64(n))
	s.q.push(kept)
	s.mu.Unlock()

	if n < len(owned) {
		used, usedBytes := s.w.budget.used()
		detail := fmt.Sprintf("buffer holds %d records / %d bytes of at most %d / %d; last error: %s",
			used, usedBytes, s.w.cfg.BufferMaxRecords, s.w.cfg.BufferMaxBytes, s.snapshot().LastError)
		return s.drop(len(owned)-n, ErrBufferFull, detail)
	}
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
		<-s.exited

		var left [][]byte
		if s.leftover != nil {
			left = append(left, s.leftover.records...)
			s.leftover = nil
		}
		left = append(left, s.q.drain()...)
		if len(left) > 0 {
			s.settle(len(left), totalBytes(left))
			dropErr := s.drop(len(left), ErrUndelivered, flushErrText(flushErr))
			s.closeErr = dropErr
		}
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
