package coldstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts what a Shipper did, in total or for one path.
type Stats struct {
	// Shipped: documents Elasticsearch accepted and the shipper then
	// acknowledged in Redis.
	Shipped uint64
	// AlreadyThere: of Shipped, documents a data stream already held (a
	// re-delivery answered 409 to op_type create).
	AlreadyThere uint64
	// Retried: document sends repeated after a retryable failure (one
	// document retried three times counts three).
	Retried uint64
	// DeadLettered: records moved to the dead-letter stream.
	DeadLettered uint64
	// Claimed: entries taken over from other (presumed dead) consumers.
	Claimed uint64
	// Vanished: pending entries whose data was gone from Redis before they
	// could be shipped (trimmed by something that ignored the group).
	Vanished uint64
	// BulkRequests: _bulk requests sent, splits and retries included.
	BulkRequests uint64
	// Lag: entries of the streams the group has not acknowledged yet
	// (pending plus not yet read), as last measured; -1 when Redis could
	// not tell. It is the group's, so every shipper of the group sees it.
	Lag int64
	// Pending: of Lag, entries delivered to the group's shippers and not
	// yet acknowledged, as last measured.
	Pending int64
	// BulkLatency is how long _bulk requests took to answer.
	BulkLatency Histogram
	// LastError is the latest error the shipper recovered from, "" if none.
	LastError     string
	LastErrorTime time.Time
}

// add sums o into s; the later error wins. Lags add up over paths, and an
// unknown lag makes the sum unknown.
func (s *Stats) add(o Stats) {
	s.Shipped += o.Shipped
	s.AlreadyThere += o.AlreadyThere
	s.Retried += o.Retried
	s.DeadLettered += o.DeadLettered
	s.Claimed += o.Claimed
	s.Vanished += o.Vanished
	s.BulkRequests += o.BulkRequests
	s.Pending += o.Pending
	s.BulkLatency.add(o.BulkLatency)
	if s.Lag < 0 || o.Lag < 0 {
		s.Lag = -1
	} else {
		s.Lag += o.Lag
	}
	if o.LastErrorTime.After(s.LastErrorTime) {
		s.LastError, s.LastErrorTime = o.LastError, o.LastErrorTime
	}
}

// counters are one path's live Stats.
type counters struct {
	shipped, alreadyThere, retried, deadLettered atomic.Uint64
	claimed, vanished, bulkRequests              atomic.Uint64
	lag, pending                                 atomic.Int64
	bulkLatency                                  histogram

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
		Shipped:       c.shipped.Load(),
		AlreadyThere:  c.alreadyThere.Load(),
		Retried:       c.retried.Load(),
		DeadLettered:  c.deadLettered.Load(),
		Claimed:       c.claimed.Load(),
		Vanished:      c.vanished.Load(),
		BulkRequests:  c.bulkRequests.Load(),
		Lag:           c.lag.Load(),
		Pending:       c.pending.Load(),
		BulkLatency:   c.bulkLatency.snapshot(),
		LastError:     c.lastErr,
		LastErrorTime: c.errTime,
	}
}
