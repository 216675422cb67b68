package hotstore

import "sync"

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

// tryTake reserves room for the longest prefix of records that fits now
// and returns its length. Records are taken in order: a record that does
// not fit ends the prefix, so kept records are never reordered around a
// drop. It also returns a channel that is closed when room is next
// released, taken under the same lock so that no release can be missed.
func (b *budget) tryTake(records [][]byte) (int, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.fitLocked(records)
	b.commitLocked(records[:n])
	return n, b.freed
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
