package hotstore

import (
	"time"

	"github.com/gomodule/redigo/redis"
)

// run is the path's deliverer: it takes batches from the queue in order
// and delivers each one until Redis acknowledges it, reconnecting with
// backoff in between. A batch, once formed, keeps its sequence number and
// its records across every retry, which is what lets the script's marker
// recognise a batch Redis already applied before a connection broke.
func (s *Stream) run() {
	defer close(s.exited)
	var (
		conn    redis.Conn
		pending *batch // formed, not yet acknowledged
		seq     uint64
		trouble bool // an error happened since the last good connection
	)
	bo := newBackoff(s.w.cfg.BackoffMin, s.w.cfg.BackoffMax)
	defer func() {
		s.leftover = pending
		if conn != nil {
			if pending == nil {
				// Nothing in doubt: the marker has no more use.
				_, _ = conn.Do("DEL", s.marker)
			}
			conn.Close()
		}
	}()

	for {
		if pending == nil {
			recs, size := s.q.pop(s.w.cfg.BatchMaxRecords, s.w.cfg.BatchMaxBytes)
			if len(recs) == 0 {
				select {
				case <-s.q.ready:
					continue
				case <-s.stop:
					return
				}
			}
			seq++
			pending = &batch{seq: seq, records: recs, bytes: size}
		}
		if s.stopping() {
			return
		}
		if conn == nil {
			c, err := s.w.dialer.dial()
			if err != nil {
				trouble = true
				s.fail(err)
				if !s.sleep(bo.wait()) {
					return
				}
				continue
			}
			conn = c
			if trouble {
				s.reconnects.Add(1)
			}
			trouble = false
		}

		n, err := deliverBatch(conn, &s.w.cfg, s.key, s.marker, pending)
		if err != nil {
			trouble = true
			s.fail(err)
			if conn.Err() != nil {
				// The connection is broken; whether Redis ran the script
				// is unknown, so the same batch is sent again on a new
				// connection and the marker decides.
				conn.Close()
				conn = nil
			}
			if !s.sleep(bo.wait()) {
				return
			}
			continue
		}
		bo.reset()
		if n == 0 {
			s.redelivered.Add(1)
		}
		s.written.Add(uint64(len(pending.records)))
		s.settle(len(pending.records), pending.bytes)
		pending = nil
	}
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
