package coldstore

import (
	"sync/atomic"
	"time"
)

// LatencyBuckets are the upper bounds of Histogram's buckets: a bulk
// request answers in milliseconds when the engine keeps up, in seconds
// when it struggles.
var LatencyBuckets = []time.Duration{
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// Histogram counts durations by LatencyBuckets, as Prometheus histograms
// do: Counts[i] are those up to LatencyBuckets[i] and not below the
// bucket before; the last count is those above every bound.
type Histogram struct {
	Counts [12]uint64
	Sum    time.Duration
}

// Count is how many durations were observed.
func (h Histogram) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

func (h *Histogram) add(o Histogram) {
	for i := range h.Counts {
		h.Counts[i] += o.Counts[i]
	}
	h.Sum += o.Sum
}

// histogram is Histogram kept with atomics.
type histogram struct {
	counts [12]atomic.Uint64
	sum    atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	i := 0
	for i < len(LatencyBuckets) && d > LatencyBuckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sum.Add(int64(d))
}

func (h *histogram) snapshot() Histogram {
	var s Histogram
	for i := range s.Counts {
		s.Counts[i] = h.counts[i].Load()
	}
	s.Sum = time.Duration(h.sum.Load())
	return s
}
