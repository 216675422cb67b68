package hotstore

import (
	"sync"
	"time"
)

// budget is the bound on records held in memory by one Writer, shared by
// all its paths. Records take budget when Write accepts them and give it
// back when Redis has acknowledged them (or when Close gives up on them),
// so queued and in-flight records both count.
type budget struct {
	maxRecords int
	maxBytes   int64

	mu      sync.Mutex
	records int
	bytes   int64
	freed   chan struct{} // closed and replaced whenever budget is released
}

func newBudget(maxRecords int, maxBytes int64) *budget {
	return &budget{maxRecords: maxRecords, maxBytes: maxBytes, freed: make(chan struct{})}
}

// take reserves room for the longest prefix of records that fits, waiting
// up to wait for room to be released, and returns how many records it
// reserved. Records are taken in order: a record that does not fit stops
// the prefix, so the records kept are never reordered around a drop.
func (b *budget) take(records [][]byte, wait time.Duration) int {
	var deadline <-chan time.Time
	for {
		b.mu.Lock()
		n := b.fitLocked(records)
		if n == len(records) || wait <= 0 {
			b.commitLocked(records[:n])
			b.mu.Unlock()
			return n
		}
		freed := b.freed
		b.mu.Unlock()

		if deadline == nil {
			timer := time.NewTimer(wait)
			defer timer.Stop()
			deadline = timer.C
		}
		select {
		case <-freed:
		case <-deadline:
			wait = 0 // take what fits now and give up on the rest
		}
	}
}

// fitLocked counts how many leading records fit in the remaining room.
func (b *budget) fitLocked(records [][]byte) int {
	freeRecords := b.maxRecords - b.records
	freeBytes := b.maxBytes - b.bytes
	n := 0
	for _, r := range records {
		if n == freeRecords || int64(len(r)) > freeBytes {
			break
		}
		freeBytes -= int64(len(r))
		n++
	}
	return n
}

func (b *budget) commitLocked(records [][]byte) {
	for _, r := range records {
		b.bytes += int64(len(r))
	}
	b.records += len(records)
}

// release gives back room for n records totalling size bytes and wakes
// every Write waiting for room.
func (b *budget) release(n int, size int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.records -= n
	b.bytes -= size
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// used reports the records and bytes held now.
func (b *budget) used() (int, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.records, b.bytes
}
