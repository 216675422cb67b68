package hotstore

import "sync"

// queue is one path's FIFO of records accepted by Write and not yet taken
// into a delivery batch.
type queue struct {
	mu    sync.Mutex
	items [][]byte
	head  int
	// ready holds a token while the queue may be non-empty, so the
	// deliverer can sleep until there is work.
	ready chan struct{}
}

func newQueue() *queue {
	return &queue{ready: make(chan struct{}, 1)}
}

// push appends records in order and wakes the deliverer.
func (q *queue) push(records [][]byte) {
	if len(records) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, records...)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop removes the oldest records, at most maxRecords and, past the first
// record, at most maxBytes, and returns them with their total size. The
// first record is always taken, however large, so that no record can get
// stuck at the head of the queue.
func (q *queue) pop(maxRecords, maxBytes int) ([][]byte, int64) {
	return q.take(maxRecords, maxBytes, false)
}

// popFull is pop that takes nothing unless the queue holds a whole batch
// (maxRecords records, or more than maxBytes). The deliverer uses it while
// batches are on the wire: records that arrive meanwhile then go out as a
// few large batches once a reply frees the pipeline, not as many small
// ones that each cost Redis a script call.
func (q *queue) popFull(maxRecords, maxBytes int) ([][]byte, int64) {
	return q.take(maxRecords, maxBytes, true)
}

func (q *queue) take(maxRecords, maxBytes int, onlyFull bool) ([][]byte, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	avail := q.items[q.head:]
	n, size := 0, int64(0)
	full := false
	for n < len(avail) && n < maxRecords {
		next := size + int64(len(avail[n]))
		if n > 0 && next > int64(maxBytes) {
			full = true
			break
		}
		size = next
		n++
	}
	if onlyFull && !full && n < maxRecords {
		return nil, 0
	}
	out := make([][]byte, n)
	copy(out, avail[:n])
	clear(avail[:n]) // let the records be collected once delivered
	q.head += n
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > len(q.items)/2 {
		rest := copy(q.items, q.items[q.head:])
		clear(q.items[rest:])
		q.items, q.head = q.items[:rest], 0
	}
	return out, size
}

// drain removes and returns everything still queued.
func (q *queue) drain() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := append([][]byte(nil), q.items[q.head:]...)
	q.items, q.head = nil, 0
	return out
}

// len is the number of queued records.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}
