package hotstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/mna/redisc"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
)

// pipelineDepth is how many batches one path keeps on the wire at once.
// With one, Redis idles while the writer reads a reply and forms the next
// batch: tools/bench-logs measured 0.46 of redis-benchmark's XADD rate
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
	bo := backoff.New(s.w.cfg.BackoffMin, s.w.cfg.BackoffMax)
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
		if !s.wasCut() { // a connection the close cut is no failure to report
			s.fail(err)
		}
		if conn != nil {
			conn.Close()
			conn = nil
		}
		return s.sleep(bo.Wait())
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
		bo.Reset()
		if n == 0 {
			s.redelivered.Add(1)
		}
		s.written.Add(uint64(len(b.records)))
		s.settle(len(b.records), b.bytes)
		s.delivered()
		inflight[0] = nil
		inflight = inflight[1:]
		sent--
	}
}

// connect dials the server, or the cluster node serving the key (the one
// redirect names, if not nil), and loads the delivery script.
func (s *Stream) connect(redirect *redisc.RedirError) (redis.Conn, error) {
	c, err := s.w.dialer.dialFor(s.dialCtx, s.key, redirect)
	if err != nil {
		return nil, err
	}
	if !s.setLive(c) {
		c.Close()
		return nil, ErrClosed
	}
	if err := loadScript(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", s.w.cfg.Addr, err)
	}
	if err := s.ensureGroup(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ensureGroup creates the protected group (at 0, so that the cold tier
// sees every entry) before the first record is delivered on c, if it is
// missing: retention never trims what the group has not read, and the
// group must exist for that from the start.
func (s *Stream) ensureGroup(c redis.Conn) error {
	cfg := &s.w.cfg
	if cfg.ProtectGroup == "" || cfg.Mode != ModeStream {
		return nil
	}
	_, err := c.Do("XGROUP", "CREATE", s.key, cfg.ProtectGroup, "0", "MKSTREAM")
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("XGROUP CREATE %s %s: %w", s.key, cfg.ProtectGroup, err)
	}
	return nil
}

// setLive records c as the deliverer's connection, so that a Close past
// its deadline can close it under a read that waits for a hung server (up
// to io-timeout). False if that has happened already: give up on c.
func (s *Stream) setLive(c redis.Conn) bool {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	if s.cut {
		return false
	}
	s.live = c
	return true
}

// cutLive closes the deliverer's connection from outside, which ends any
// read or write it waits in; the deliverer then finds the stream stopping
// and exits.
func (s *Stream) cutLive() {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	s.cut = true
	s.cancelDial()
	if s.live != nil {
		s.live.Close()
	}
}

func (s *Stream) wasCut() bool {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	return s.cut
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
