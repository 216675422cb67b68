package logwriter

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/repeatlimit"
)

// maxQueuedMessages bounds the messages waiting for a caller that is slow
// to take them: an outage repeats the same few messages, which the repeat
// limit already folds, so more than this means nobody is reading.
const maxQueuedMessages = 256

// messageQueue holds the writer's reports (Redis or Elasticsearch away,
// batches retried, records dead-lettered) for a caller that shows them
// itself, as Zeek's plugin does in reporter.log, instead of on stderr.
//
// Drops are not queued: the Write or Close that dropped records returns
// them to its caller, who reports them once, with the log they belong to.
type messageQueue struct {
	repeats *repeatlimit.Limiter
	now     func() time.Time

	mu      sync.Mutex
	waiting []string
	lost    int // messages refused while the queue was full
}

func newMessageQueue() *messageQueue {
	return &messageQueue{repeats: repeatlimit.New(repeatlimit.DefaultInterval), now: time.Now}
}

// add queues err's message, unless it repeats one queued moments ago or is
// a drop. It never blocks: it runs on the writer's and shipper's
// goroutines.
func (q *messageQueue) add(err error) {
	var drop *hotstore.DropError
	if errors.As(err, &drop) {
		return
	}
	msg, ok := q.repeats.Pass(oneLine(err).Error(), q.now())
	if !ok {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) >= maxQueuedMessages {
		q.lost++
		return
	}
	q.waiting = append(q.waiting, msg)
}

// next takes the oldest waiting message. Once the queue is empty, a count
// of the messages it had no room for comes last, so none vanish unseen.
func (q *messageQueue) next() (string, bool) {
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
			q.lost, maxQueuedMessages)
		q.lost = 0
		return msg, true
	}
	return "", false
}
