package hotstore

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Retention runs apart from delivery (retain.lua): one goroutine per path,
// woken by deliveries, trims at most once per Config.RetentionInterval, on
// a connection of its own. Delivery's script only appends, so a protected
// stream's retention, which reads up to scanMax entries of the group's
// window, costs Redis once per interval rather than once per batch while
// the cold tier is away and the group's backlog grows. The first pass
// runs at the first delivery, so that a protected group exists from the
// start.

// retains reports whether the configuration trims anything (or creates a
// protected group) at all.
func (c *Config) retains() bool {
	switch c.Mode {
	case ModeStream:
		return c.MaxLen > 0 || c.MaxAge > 0 || c.ProtectGroup != ""
	case ModeList:
		return c.MaxLen > 0
	}
	return false
}

// retain is the path's retention loop; it exits when the stream stops.
func (s *Stream) retain() {
	defer close(s.retained)
	var (
		conn redis.Conn
		last time.Time // the last pass; zero before the first
	)
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		select {
		case <-s.stop:
			return
		case <-s.wrote:
		}
		if wait := time.Until(last.Add(s.w.cfg.RetentionInterval)); !last.IsZero() && wait > 0 && !s.sleep(wait) {
			return
		}
		last = time.Now()
		if conn == nil {
			c, err := s.w.dialer.dialFor(s.dialCtx, s.key, nil)
			if err != nil {
				s.w.report(fmt.Errorf("retention of %s: %w", s.key, err))
				continue // the next delivery wakes it again
			}
			conn = c
		}
		if err := runRetention(conn, &s.w.cfg, s.key); err != nil {
			s.w.report(err)
			conn.Close()
			conn = nil
		}
		s.retentionPasses.Add(1)
	}
}

// delivered wakes the retention loop, if the path has one; it never
// blocks.
func (s *Stream) delivered() {
	select {
	case s.wrote <- struct{}{}:
	default:
	}
}

// runRetention trims key once as cfg says.
func runRetention(c redis.Conn, cfg *Config, key string) error {
	_, err := retainScript.Do(c, key, string(cfg.Mode), strconv.FormatInt(cfg.MaxLen, 10),
		strconv.FormatInt(cfg.MaxAge.Milliseconds(), 10), cfg.ProtectGroup)
	if err != nil {
		return fmt.Errorf("retention of %s: %w", key, err)
	}
	return nil
}
