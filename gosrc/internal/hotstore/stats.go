package hotstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts what happened to the records given to Write. Every record
// is in exactly one of Written, Buffered or Dropped.
type Stats struct {
	// Written: records Redis acknowledged (stored, or published in pubsub
	// mode).
	Written uint64
	// Buffered and BufferedBytes: records accepted by Write and not yet
	// acknowledged, queued or in flight.
	Buffered      int64
	BufferedBytes int64
	// Dropped: records given up on, because the buffer was full, the
	// stream was closed, or Close could not deliver them.
	Dropped uint64
	// Reconnects: connections made after a failure.
	Reconnects uint64
	// Redelivered: batches sent again after a failure that Redis turned
	// out to have stored already; the dedup marker kept them single.
	Redelivered uint64
	// RetentionPasses: retention runs (retain.lua), at most one per
	// retention interval per path.
	RetentionPasses uint64
	// LastError is the latest delivery or drop error, "" if none.
	LastError     string
	LastErrorTime time.Time
}

// add sums o into s; the later error wins.
func (s *Stats) add(o Stats) {
	s.Written += o.Written
	s.Buffered += o.Buffered
	s.BufferedBytes += o.BufferedBytes
	s.Dropped += o.Dropped
	s.Reconnects += o.Reconnects
	s.Redelivered += o.Redelivered
	s.RetentionPasses += o.RetentionPasses
	if o.LastErrorTime.After(s.LastErrorTime) {
		s.LastError, s.LastErrorTime = o.LastError, o.LastErrorTime
	}
}

// counters are one stream's live Stats, updated without locks on the hot
// path.
type counters struct {
	written       atomic.Uint64
	buffered      atomic.Int64
	bufferedBytes atomic.Int64
	dropped       atomic.Uint64
	reconnects    atomic.Uint64
	redelivered   atomic.Uint64
	// retentionPasses counts retain.lua runs.
	retentionPasses atomic.Uint64

	errMu   sync.Mutex
	lastErr string
	errTime time.Time
}

func (c *counters) setError(err error) {
	c.errMu.Lock()
	c.lastErr, c.errTime = err.Error(), time.Now()
	c.errMu.Unlock()
}

func (c *counters) snapshot() Stats {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return Stats{
		Written:         c.written.Load(),
		Buffered:        c.buffered.Load(),
		BufferedBytes:   c.bufferedBytes.Load(),
		Dropped:         c.dropped.Load(),
		Reconnects:      c.reconnects.Load(),
		Redelivered:     c.redelivered.Load(),
		RetentionPasses: c.retentionPasses.Load(),
		LastError:       c.lastErr,
		LastErrorTime:   c.errTime,
	}
}
