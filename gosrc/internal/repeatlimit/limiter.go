// Package repeatlimit keeps a stream of error reports readable during an
// outage: each message (say, "connection refused" on every reconnect) goes
// through once, then at most once per interval with how often it recurred
// meanwhile, however the messages of several log paths interleave. The hot
// tier, the shipper and the writer's message queue share it, so that every
// report of cloudtap reads the same.
package repeatlimit

import (
	"fmt"
	"sync"
	"time"
)

// DefaultInterval is how often a repeated message goes through in every
// report of cloudtap: the hot tier's, the shipper's and the writer's queue.
const DefaultInterval = 30 * time.Second

// maxTracked bounds the messages remembered at once. An outage repeats a
// few messages (one per log path and kind of failure); past the bound the
// message let through longest ago is forgotten, and goes through again as
// new when it recurs: too many reports, never too few.
const maxTracked = 256

// Limiter decides which reports go through. Its zero value is not usable;
// call New. Safe for concurrent use.
type Limiter struct {
	interval time.Duration

	mu   sync.Mutex
	seen map[string]*sighting
}

// sighting is what the Limiter remembers of one message.
type sighting struct {
	at      time.Time // when it last went through
	repeats int       // how often it was held back since
}

// New returns a Limiter that lets each message through at most once per
// interval.
func New(interval time.Duration) *Limiter {
	return &Limiter{interval: interval, seen: make(map[string]*sighting)}
}

// Pass says whether msg, reported at now, goes through, and with what
// text: the message itself the first time, then with the count of the
// repeats held back since it last went through.
func (l *Limiter) Pass(msg string, now time.Time) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.seen[msg]
	if !ok {
		l.makeRoom(now)
		l.seen[msg] = &sighting{at: now}
		return msg, true
	}
	if now.Sub(s.at) < l.interval {
		s.repeats++
		return "", false
	}
	n := s.repeats
	s.at, s.repeats = now, 0
	if n == 0 {
		return msg, true // quiet for a whole interval: new again
	}
	return fmt.Sprintf("%s (%d more times in the last %v)", msg, n, l.interval), true
}

// makeRoom forgets messages that went through an interval ago or more and
// have not recurred since, and then, if there is still no room, the one
// let through longest ago.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.seen) < maxTracked {
		return
	}
	var oldest string
	for msg, s := range l.seen {
		if s.repeats == 0 && now.Sub(s.at) >= l.interval {
			delete(l.seen, msg)
			continue
		}
		if oldest == "" || s.at.Before(l.seen[oldest].at) {
			oldest = msg
		}
	}
	if len(l.seen) >= maxTracked {
		delete(l.seen, oldest)
	}
}
