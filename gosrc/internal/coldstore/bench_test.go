package coldstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// BenchmarkShipVsPlainBulk measures the shipper against the engine's own
// ingest rate, in one run on one engine: b.N conn records are
//
//   - posted as pre-built _bulk bodies (the very documents the shipper
//     makes, in bulks of the shipper's size, into indices under the same
//     template, which it installs first, as the shipper does) by a plain
//     HTTP loop, one request at a time: "plain";
//   - XADDed to Redis, then read through the group, bulk-indexed and
//     acknowledged by a Shipper: "ship".
//
// A first round of each, not counted, warms the engine up: a JVM that
// has not yet compiled its indexing path runs it several times slower,
// and whichever side met it cold would lose. Then rounds alternate
// (BENCH_ROUNDS, default 3), each into indices of its own, and the
// medians are reported with their ratio (target ≥ 0.9). It
// runs twice: Zeek's records as they are, and ECS documents (format=ecs),
// where the plain loop posts documents already converted and the shipper
// converts them on the way.
//
//	go test -run '^$' -bench ShipVsPlainBulk -benchtime 20000x ./gosrc/internal/coldstore/
func BenchmarkShipVsPlainBulk(b *testing.B) {
	for _, f := range []Format{FormatZeek, FormatECS} {
		b.Run("format="+string(f), func(b *testing.B) { benchShipVsPlainBulk(b, f) })
	}
}

func benchShipVsPlainBulk(b *testing.B, format Format) {
	s := startBenchServers(b)
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	records := make([]string, b.N)
	for i := range records {
		records[i] = connRecord(i)
	}
	plainBulkRate(b, roundConfig(b, s, format, "warmplain", 0), records)
	shipRate(b, s, roundConfig(b, s, format, "warmship", 0), records)
	b.ResetTimer()
	var plain, ship, cpu, plainMs, shipMs, plainEngine, shipEngine, shipRedis []float64
	var bulks uint64
	for r := 0; r < rounds; r++ {
		// Each goes first in every other round, so that neither always
		// meets the engine still merging the other's segments.
		plainRound := func() {
			e0 := serverCPU(b, s)
			rate, ms := plainBulkRate(b, roundConfig(b, s, format, "plain", r), records)
			e1 := serverCPU(b, s)
			plain, plainMs = append(plain, rate), append(plainMs, ms)
			plainEngine = append(plainEngine, perDoc(e1.engine-e0.engine, len(records)))
		}
		if r%2 == 0 {
			plainRound()
		}
		e0 := serverCPU(b, s)
		rate, cpuPerDoc, ms, n := shipRate(b, s, roundConfig(b, s, format, "ship", r), records)
		e1 := serverCPU(b, s)
		ship, cpu, shipMs, bulks = append(ship, rate), append(cpu, cpuPerDoc), append(shipMs, ms), n
		shipEngine = append(shipEngine, perDoc(e1.engine-e0.engine, len(records)))
		shipRedis = append(shipRedis, perDoc(e1.redis-e0.redis, len(records)))
		if r%2 == 1 {
			plainRound()
		}
	}
	b.StopTimer()
	b.ReportMetric(median(plain), "plain-docs/s")
	b.ReportMetric(median(ship), "ship-docs/s")
	b.ReportMetric(median(ship)/median(plain), "ship/plain")
	b.ReportMetric(median(cpu), "shipper-cpu-µs/doc")
	// How long one _bulk took to answer, on average: if the shipper's
	// take longer than the loop's, the engine did more work for them;
	// if not, the shipper lost its time between requests.
	b.ReportMetric(median(plainMs), "plain-bulk-ms")
	b.ReportMetric(median(shipMs), "ship-bulk-ms")
	// What the servers spent per document on each side (the ship side's
	// includes the XADDs that fill Redis before the clock starts).
	b.ReportMetric(median(plainEngine), "plain-engine-cpu-µs/doc")
	b.ReportMetric(median(shipEngine), "ship-engine-cpu-µs/doc")
	b.ReportMetric(median(shipRedis), "ship-redis-cpu-µs/doc")
	b.ReportMetric(float64(bulks), "bulks")
}

// roundConfig ships in format into indices (or data streams) of the
// round's own: side ("plain" or "ship") and round name them.
func roundConfig(b *testing.B, s servers, format Format, side string, round int) Config {
	cfg := benchConfig(b, s)
	cfg.Format = format
	cfg.IndexPrefix = fmt.Sprintf("%s%d", side, round)
	cfg.Namespace = cfg.IndexPrefix
	return cfg
}

// plainBulkRate posts records, made into the shipper's documents for cfg,
// as pre-built bulk bodies, and returns documents per second and the mean
// time a request took to answer, in milliseconds.
func plainBulkRate(b *testing.B, cfg Config, records []string) (docsPerSec, bulkMs float64) {
	t := newTargets(&cfg)
	tmpl, err := buildTemplate(t, "conn", connSchema)
	if err != nil {
		b.Fatal(err)
	}
	es, err := newESClient(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	docs := make([]document, 0, cfg.BatchMaxDocs)
	for i, rec := range records {
		d, err := newDocument(t, "conn", entry{ID: fmt.Sprintf("%d-0", i+1), Record: []byte(rec)})
		if err != nil {
			b.Fatal(err)
		}
		if docs = append(docs, d); len(docs) == cfg.BatchMaxDocs || i == len(records)-1 {
			bodies = append(bodies, bulkBody(t.opType(), docs))
			docs = docs[:0]
		}
	}
	client := &http.Client{Timeout: time.Minute}
	start := time.Now()
	// The shipper installs its template before its first bulk; so does
	// the loop, inside the clock.
	if err := putTemplate(context.Background(), es, tmpl); err != nil {
		b.Fatal(err)
	}
	var inBulk time.Duration
	for _, body := range bodies {
		sent := time.Now()
		resp, err := client.Post(cfg.ElasticsearchURL+bulkPath, "application/x-ndjson", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		reply, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		inBulk += time.Since(sent)
		if err != nil || resp.StatusCode != http.StatusOK || bytes.Contains(reply[:min(len(reply), 64)], []byte(`"errors":true`)) {
			b.Fatalf("plain bulk: %d %v %s", resp.StatusCode, err, snippet(reply))
		}
	}
	return float64(len(records)) / time.Since(start).Seconds(), float64(inBulk.Microseconds()) / 1000 / float64(len(bodies))
}

// shipRate XADDs records, then ships them for cfg with a new Shipper of
// the bench group, and returns documents per second, the shipper's CPU
// per document, the mean time a bulk request took to answer in
// milliseconds, and its bulk requests.
func shipRate(b *testing.B, s servers, cfg Config, records []string) (docsPerSec, cpuPerDoc, bulkMs float64, bulks uint64) {
	c := s.redis.Conn(b)
	for i := 0; i < len(records); i += 1000 {
		xadd(b, c, "zeek:conn", records[i:min(i+1000, len(records))]...)
	}
	sh, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cpuBefore := processCPU(b)
	start := time.Now()
	go func() { done <- sh.Run(ctx) }()
	for sh.Stats().Shipped < uint64(len(records)) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu := processCPU(b) - cpuBefore
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	st := sh.Stats()
	if st.Shipped != uint64(len(records)) || st.DeadLettered != 0 {
		b.Fatalf("shipped %d, dead-lettered %d of %d", st.Shipped, st.DeadLettered, len(records))
	}
	// The shipper's own CPU (this process; the servers are children not
	// yet waited for, so not counted): what it costs beside the cluster.
	lat := st.BulkLatency
	return float64(len(records)) / elapsed.Seconds(), float64(cpu.Microseconds()) / float64(len(records)),
		float64(lat.Sum.Microseconds()) / 1000 / float64(max(lat.Count(), 1)), st.BulkRequests
}

// cpuTimes are what the engine's and Redis's processes have spent so far.
type cpuTimes struct{ engine, redis time.Duration }

// serverCPU reads the engine's CPU time from /proc/PID/stat and Redis's
// from INFO cpu.
func serverCPU(b *testing.B, s servers) cpuTimes {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.es.Pid()))
	if err != nil {
		b.Fatalf("engine CPU: %v", err)
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	info, err := redis.String(s.redis.Conn(b).Do("INFO", "cpu"))
	if err != nil {
		b.Fatalf("Redis CPU: %v", err)
	}
	var redisSec float64
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "used_cpu_sys" || k == "used_cpu_user" {
			x, _ := strconv.ParseFloat(v, 64)
			redisSec += x
		}
	}
	return cpuTimes{engine: time.Duration(ut+st) * 10 * time.Millisecond, redis: time.Duration(redisSec * float64(time.Second))}
}

func perDoc(d time.Duration, docs int) float64 { return float64(d.Microseconds()) / float64(docs) }

// processCPU is the user+system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
