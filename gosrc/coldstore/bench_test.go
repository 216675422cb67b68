package coldstore

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// BenchmarkShipToZinc measures end-to-end shipping: b.N conn records
// already in a Redis stream, read through the group, bulk-indexed into the
// test server and acknowledged. It reports docs/s; Zinc's own indexing is
// most of the time (see README.md for numbers).
//
//	go test -run '^$' -bench ShipToZinc -benchtime 20000x ./gosrc/coldstore/
//
// processCPU is the user+system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkShipToZinc(b *testing.B) {
	s := startBenchServers(b)
	cfg := benchConfig(b, s)
	c := s.redis.Conn(b)
	recs := make([]string, 0, 1000)
	for i := 0; i < b.N; i++ {
		recs = append(recs, connRecord(i))
		if len(recs) == cap(recs) || i == b.N-1 {
			xadd(b, c, "zeek:conn", recs...)
			recs = recs[:0]
		}
	}
	sh, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.ResetTimer()
	cpuBefore := processCPU(b)
	start := time.Now()
	go func() { done <- sh.Run(ctx) }()
	for sh.Stats().Shipped < uint64(b.N) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := processCPU(b) - cpuBefore
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	st := sh.Stats()
	if st.Shipped != uint64(b.N) || st.DeadLettered != 0 {
		b.Fatalf("shipped %d, dead-lettered %d of %d", st.Shipped, st.DeadLettered, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "docs/s")
	// The shipper's own CPU (this process; the servers are children not
	// yet waited for, so not counted): what it costs beside the cluster.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "shipper-cpu-µs/doc")
	b.ReportMetric(float64(st.BulkRequests), "bulks")
}
