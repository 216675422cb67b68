package logwriter

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// settledGoroutines reads the goroutine count until it stops falling, or
// falls to at most floor: goroutines of a closed writer may end just after
// Close returns (net/http's connection readers, for one). Bounded by
// hangGuard; not a speed target.
func settledGoroutines(floor int) int {
	deadline := time.Now().Add(hangGuard)
	n, steady := runtime.NumGoroutine(), 0
	for n > floor && steady < 10 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		runtime.GC()
		if m := runtime.NumGoroutine(); m < n {
			n, steady = m, 0
		} else {
			steady++
		}
	}
	return n
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// writerCycle is what Zeek does with the writer over a run: open it, open
// logs, write, flush (Log::flush, heartbeats), close the logs and the
// writer (shutdown).
func writerCycle(t *testing.T, config string, cycle int) {
	w, err := Open(config)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	for _, path := range []string{"conn", "dns", "http"} {
		l, err := w.OpenLog(path, connLikeSchema)
		require.NoError(t, err)
		for i := 0; i < 5; i++ {
			require.NoError(t, l.Write(connLike(cycle*1000+i*20, cycle*1000+i*20+20)))
			require.NoError(t, l.Flush(ctx))
		}
		require.NoError(t, l.Close(ctx))
	}
	require.NoError(t, w.Close(ctx))
}

// checkNoLeak runs cycles of writerCycle and checks that every goroutine
// a cycle starts has ended, and that the heap does not grow with the
// number of cycles.
func checkNoLeak(t *testing.T, config string) {
	writerCycle(t, config, 0) // warm-up: lazily started runtime and net/http goroutines
	baseGoroutines := settledGoroutines(0)
	baseHeap := heapInUse()
	const cycles = 20
	for c := 1; c <= cycles; c++ {
		writerCycle(t, config, c)
	}
	got := settledGoroutines(baseGoroutines)
	for i := 0; got > baseGoroutines && i < 5; i++ { // still falling slowly?
		got = settledGoroutines(baseGoroutines)
	}
	if !assert.LessOrEqual(t, got, baseGoroutines, "goroutines left behind by %d closed writers", cycles) {
		buf := make([]byte, 1<<20)
		t.Logf("goroutines now:\n%s", buf[:runtime.Stack(buf, true)])
	}
	// A leak of even one record batch per cycle would show as tens of KB;
	// 1 MB is room for the runtime's own noise.
	grown := int64(heapInUse()) - int64(baseHeap)
	assert.Less(t, grown, int64(1<<20), "heap grew by %d bytes over %d writer cycles", grown, cycles)
	t.Logf("goroutines %d -> %d, heap in use grew by %d bytes over %d cycles", baseGoroutines, got, grown, cycles)
}

func TestWriterLeavesNothingBehindAfterFlushAndClose(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	checkNoLeak(t, srv.URL("", "")+"/0")
}

func TestWriterWithEmbeddedShipperLeavesNothingBehind(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	es := estest.Start(t)
	checkNoLeak(t, fmt.Sprintf("%s/0 elasticsearch=%s es-flush-interval=50ms es-close-timeout=50s", srv.URL("", ""), es.AuthURL()))
}
