package logwriter

import (
	"errors"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/reports"
)

// messageQueue holds the writer's reports (Redis or Elasticsearch away,
// batches retried, records dead-lettered), one line each.
//
// Drops are not queued: the Write or Close that dropped records returns
// them to its caller, who reports them once, with the log they belong to.
type messageQueue struct{ *reports.Queue }

func newMessageQueue() *messageQueue { return &messageQueue{reports.New()} }

// add queues err's message, unless it is a drop.
func (q *messageQueue) add(err error) {
	var drop *hotstore.DropError
	if errors.As(err, &drop) {
		return
	}
	q.Add(err.Error())
}

func (q *messageQueue) next() (string, bool) { return q.Next() }
