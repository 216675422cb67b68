// Package reports queues a component's reports (Redis away, batches
// retried, bad entries skipped) for a caller that shows them itself, as
// the Zeek plugin does in reporter.log, instead of on stderr. Repeats are
// folded by the one repeat limiter (package repeatlimit), and the queue is
// bounded: more waiting than that means nobody reads.
package reports

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/repeatlimit"
)

// MaxQueued bounds the messages waiting for a caller that is slow to take
// them: an outage repeats the same few messages, which the repeat limit
// already folds.
const MaxQueued = 256

// Queue is safe for concurrent use; Add never blocks.
type Queue struct {
	repeats *repeatlimit.Limiter
	now     func() time.Time

	mu      sync.Mutex
	waiting []string
	lost    int // messages refused while the queue was full
}

// New makes an empty queue.
func New() *Queue {
	return &Queue{repeats: repeatlimit.New(repeatlimit.DefaultInterval), now: time.Now}
}

// SetClock replaces the queue's clock (tests).
func (q *Queue) SetClock(now func() time.Time) { q.now = now }

// OneLine puts a message of several lines (errors.Join puts each part on
// its own) on one: Zeek's reporter and the commands print one line per
// problem.
func OneLine(msg string) string { return strings.ReplaceAll(msg, "\n", "; ") }

// Add queues msg, on one line, unless it repeats one queued moments ago.
func (q *Queue) Add(msg string) {
	msg, ok := q.repeats.Pass(OneLine(msg), q.now())
	if !ok {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) >= MaxQueued {
		q.lost++
		return
	}
	q.waiting = append(q.waiting, msg)
}

// Next takes the oldest waiting message. Once the queue is empty, a count
// of the messages it had no room for comes last, so none vanish unseen.
func (q *Queue) Next() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) > 0 {
		msg := q.waiting[0]
		q.waiting[0] = ""
		q.waiting = q.waiting[1:]
		return msg, true
	}
	if q.lost > 0 {
		msg := fmt.Sprintf("cloudtap: %d more messages were not kept: nobody took them (%d were waiting)",
			q.lost, MaxQueued)
		q.lost = 0
		return msg, true
	}
	return "", false
}
