package hotstore

import (
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/mna/redisc"
)

// pipelineDepth is how many batches one path keeps on the wire at once.
// With one, Redis idles while the writer reads a reply and forms the next
// batch: scripts/bench-logs measured 0.46 of redis-benchmark's XADD rate
// with depth 1 and 0.60 with 4. (Depth was cut to 1 for a while when the
// SIGKILL fault test doubled a batch; that was Redis's torn append-only
// file, see README.md, and the test passes 40 of 40 under load with 4.)
const pipelineDepth = 4

// run is the path's deliverer: it takes batches from the queue in order
// and delivers them until Redis acknowledges each, reconnecting with
// backoff after any error. A batch, once formed, keeps its number and its
// records across every retry, which lets the script recognise a batch
// Redis already applied before a connection broke, and refuse one that
// would overtake a failed predecessor.
func (s *Stream) run() {
	defer close(s.exited)
	var (
		conn     redis.Conn
		inflight []*batch // formed and not yet acknowledged, oldest first
		sent     int      // how many of inflight are on the wire of conn
		seq      uint64
		trouble  bool // an error happened since the last good connection
		// redirect is the cluster node a MOVED or ASK reply named, for the
		// next connect.
		redirect *redisc.RedirError
	)
	bo := newBackoff(s.w.cfg.BackoffMin, s.w.cfg.BackoffMax)
	defer func() {
		s.leftover = inflight
		if conn != nil {
			if len(inflight) == 0 {
				// Nothing in doubt: the marker has no more use.
				_, _ = conn.Do("DEL", s.marker)
			}
			conn.Close()
		}
	}()
	// failed handles any error: the connection is dropped, since replies
	// to batches behind the failed one would be out of step, and every
	// unacknowledged batch is sent again on the next connection.
	failed := func(err error) bool {
		trouble = true
		redirect = redirectOf(err)
		s.fail(err)
		if conn != nil {
			conn.Close()
			conn = nil
		}
		return s.sleep(bo.wait())
	}

	for {
		for len(inflight) < pipelineDepth {
			pop := s.q.pop
			if len(inflight) > 0 {
				pop = s.q.popFull
			}
			recs, size := pop(s.w.cfg.BatchMaxRecords, s.w.cfg.BatchMaxBytes)
			if len(recs) == 0 {
				break
			}
			seq++
			inflight = append(inflight, &batch{seq: seq, records: recs, bytes: size})
		}
		if len(inflight) == 0 {
			select {
			case <-s.q.ready:
				continue
			case <-s.stop:
				return
			}
		}
		if s.stopping() {
			return
		}
		if conn == nil {
			c, err := s.connect(redirect)
			if err != nil {
				if !failed(err) {
					return
				}
				continue
			}
			conn, sent = c, 0
			if trouble {
				s.reconnects.Add(1)
			}
			trouble = false
		}
		if sent < len(inflight) {
			if err := s.send(conn, inflight, sent); err != nil {
				if !failed(err) {
					return
				}
				continue
			}
			sent = len(inflight)
		}

		b := inflight[0]
		n, err := receiveBatch(conn, s.key, b)
		if err != nil {
			if !failed(err) {
				return
			}
			continue
		}
		bo.reset()
		if n == 0 {
			s.redelivered.Add(1)
		}
		s.written.Add(uint64(len(b.records)))
		s.settle(len(b.records), b.bytes)
		inflight[0] = nil
		inflight = inflight[1:]
		sent--
	}
}

// connect dials the server, or the cluster node serving the key (the one
// redirect names, if not nil), and loads the delivery script.
func (s *Stream) connect(redirect *redisc.RedirError) (redis.Conn, error) {
	c, err := s.w.dialer.dialFor(s.key, redirect)
	if err != nil {
		return nil, err
	}
	if err := loadScript(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", s.w.cfg.Addr, err)
	}
	return c, nil
}

// send puts inflight[from:] on the wire in one flush. Each is sent with the
// oldest unacknowledged batch as its base.
func (s *Stream) send(c redis.Conn, inflight []*batch, from int) error {
	base := inflight[0].seq
	for _, b := range inflight[from:] {
		if err := sendBatch(c, &s.w.cfg, s.key, s.marker, base, b); err != nil {
			return err
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("send to %s: %w", s.key, err)
	}
	return nil
}

// fail records and reports a delivery error.
func (s *Stream) fail(err error) {
	s.setError(err)
	s.w.report(err)
}

// sleep waits d, or returns false at once if the stream is stopping.
func (s *Stream) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

func (s *Stream) stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}
