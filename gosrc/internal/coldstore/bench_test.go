package coldstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
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
	plainBulkRate(b, s, roundConfig(b, s, format, "warmplain", 0), records)
	shipRate(b, s, roundConfig(b, s, format, "warmship", 0), records)
	b.ResetTimer()
	var plain, ship []sideResult
	for r := 0; r < rounds; r++ {
		// Each goes first in every other round, so that neither always
		// meets the engine still merging the other's segments.
		if r%2 == 0 {
			plain = append(plain, plainBulkRate(b, s, roundConfig(b, s, format, "plain", r), records))
		}
		ship = append(ship, shipRate(b, s, roundConfig(b, s, format, "ship", r), records))
		if r%2 == 1 {
			plain = append(plain, plainBulkRate(b, s, roundConfig(b, s, format, "plain", r), records))
		}
	}
	b.StopTimer()
	med := func(rs []sideResult, f func(sideResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	rate := func(r sideResult) float64 { return r.docsPerSec }
	b.ReportMetric(med(plain, rate), "plain-docs/s")
	b.ReportMetric(med(ship, rate), "ship-docs/s")
	b.ReportMetric(med(ship, rate)/med(plain, rate), "ship/plain")
	// The engine's cost per document moves by a third between runs of
	// the same JVM (compilation, GC, merges), so the spread of each
	// round's own ratio says how far the median can be trusted.
	lo, hi := math.Inf(1), math.Inf(-1)
	for r := range ship {
		x := ship[r].docsPerSec / plain[r].docsPerSec
		lo, hi = math.Min(lo, x), math.Max(hi, x)
		b.Logf("round %d: plain %.0f docs/s (engine %.1f µs/doc, bulk %.1f ms), ship %.0f docs/s (engine %.1f µs/doc, bulk %.1f ms): %.2f",
			r, plain[r].docsPerSec, plain[r].engineCPU, plain[r].bulkMs, ship[r].docsPerSec, ship[r].engineCPU, ship[r].bulkMs, x)
	}
	b.ReportMetric(lo, "round-ratio-min")
	b.ReportMetric(hi, "round-ratio-max")
	b.ReportMetric(med(ship, func(r sideResult) float64 { return r.clientCPU }), "shipper-cpu-µs/doc")
	// How long one _bulk took to answer, on average: if the shipper's
	// take longer than the loop's, the engine did more work for them;
	// if not, the shipper lost its time between requests.
	b.ReportMetric(med(plain, func(r sideResult) float64 { return r.bulkMs }), "plain-bulk-ms")
	b.ReportMetric(med(ship, func(r sideResult) float64 { return r.bulkMs }), "ship-bulk-ms")
	// What the servers spent per document while each side's clock ran.
	b.ReportMetric(med(plain, func(r sideResult) float64 { return r.engineCPU }), "plain-engine-cpu-µs/doc")
	b.ReportMetric(med(ship, func(r sideResult) float64 { return r.engineCPU }), "ship-engine-cpu-µs/doc")
	b.ReportMetric(med(ship, func(r sideResult) float64 { return r.redisCPU }), "ship-redis-cpu-µs/doc")
	b.ReportMetric(float64(ship[len(ship)-1].bulks), "bulks")
	// 429s are the engine saying it is full; a side that met more of them
	// spent its time waiting, so each side's total says whether the rates
	// compare like with like.
	total := func(rs []sideResult) (n uint64) {
		for _, r := range rs {
			n += r.resent
		}
		return n
	}
	b.ReportMetric(float64(total(plain)), "plain-resent-docs")
	b.ReportMetric(float64(total(ship)), "ship-resent-docs")
}

// sideResult is one side's round: documents per second, the mean time a
// _bulk took to answer (ms), the CPU per document (µs) of the engine, of
// Redis and of this process (the shipper; the plain loop's is not
// reported), the bulk requests made, and the documents resent after the
// engine refused them with 429.
type sideResult struct {
	docsPerSec, bulkMs             float64
	engineCPU, redisCPU, clientCPU float64
	bulks                          uint64
	resent                         uint64 // documents resent after a 429
}

// clock measures one side between start and stop: the wall time and what
// the engine, Redis and this process spent meanwhile.
type clock struct {
	b       *testing.B
	s       servers
	t0      time.Time
	server0 cpuTimes
	self0   time.Duration
}

// startClock waits for the engine to go quiet, so that neither side pays
// for the merges of the indices written before it, then starts.
func startClock(b *testing.B, s servers) *clock {
	settle(b, s)
	return &clock{b: b, s: s, t0: time.Now(), server0: serverCPU(b, s), self0: processCPU(b)}
}

func (c *clock) stop(docs int, bulkTime time.Duration, bulks uint64) sideResult {
	elapsed := time.Since(c.t0)
	self := processCPU(c.b) - c.self0
	server := serverCPU(c.b, c.s)
	return sideResult{
		docsPerSec: float64(docs) / elapsed.Seconds(),
		bulkMs:     float64(bulkTime.Microseconds()) / 1000 / float64(max(bulks, 1)),
		engineCPU:  perDoc(server.engine-c.server0.engine, docs),
		redisCPU:   perDoc(server.redis-c.server0.redis, docs),
		clientCPU:  perDoc(self, docs),
		bulks:      bulks,
	}
}

// settle waits, up to 20 s, until the engine has used under a tenth of a
// core for half a second.
func settle(b *testing.B, s servers) {
	deadline := time.Now().Add(20 * time.Second)
	prev := engineCPU(b, s)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		now := engineCPU(b, s)
		if now-prev < 50*time.Millisecond {
			return
		}
		prev = now
	}
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
// as pre-built bulk bodies, one request at a time.
func plainBulkRate(b *testing.B, s servers, cfg Config, records []string) sideResult {
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
	var bodyDocs []int
	docs := make([]document, 0, cfg.BatchMaxDocs)
	// IDs shaped as Redis gives them to the shipper's entries (XADDed 1000
	// at a time, a few hundred in each millisecond): _id is part of the
	// document, and the engine's cost of an _id lookup depends on it.
	ms := time.Now().UnixMilli()
	for i, rec := range records {
		id := fmt.Sprintf("%d-%d", ms+int64(i/200), i%200)
		d, err := newDocument(t, "conn", entry{ID: id, Record: []byte(rec)})
		if err != nil {
			b.Fatal(err)
		}
		if docs = append(docs, d); len(docs) == cfg.BatchMaxDocs || i == len(records)-1 {
			bodies = append(bodies, bulkBody(t.opType(), docs))
			bodyDocs = append(bodyDocs, len(docs))
			docs = docs[:0]
		}
	}
	client := &http.Client{Timeout: time.Minute}
	clk := startClock(b, s)
	// The shipper installs its template before its first bulk; so does
	// the loop, inside the clock.
	if err := putTemplate(context.Background(), es, tmpl); err != nil {
		b.Fatal(err)
	}
	var inBulk time.Duration
	var throttled, resent uint64
	wait := backoff.New(cfg.BackoffMin, cfg.BackoffMax)
	for i := 0; i < len(bodies); {
		sent := time.Now()
		resp, err := client.Post(cfg.ElasticsearchURL+bulkPath, "application/x-ndjson", bytes.NewReader(bodies[i]))
		if err != nil {
			b.Fatal(err)
		}
		reply, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		inBulk += time.Since(sent)
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			// The engine's own backpressure: a client that honours it
			// waits and resends, as the shipper does.
			throttled++
			resent += uint64(bodyDocs[i])
			time.Sleep(wait.Wait())
			continue
		}
		if err != nil || resp.StatusCode != http.StatusOK || bytes.Contains(reply[:min(len(reply), 64)], []byte(`"errors":true`)) {
			b.Fatalf("plain bulk: %d %v %s", resp.StatusCode, err, snippet(reply))
		}
		wait.Reset()
		i++
	}
	res := clk.stop(len(records), inBulk, uint64(len(bodies))+throttled)
	res.resent = resent
	return res
}

// shipRate XADDs records, then ships them for cfg with a new Shipper of
// the bench group, and checks that every one was shipped.
func shipRate(b *testing.B, s servers, cfg Config, records []string) sideResult {
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
	clk := startClock(b, s)
	go func() { done <- sh.Run(ctx) }()
	for sh.Stats().Shipped < uint64(len(records)) {
		time.Sleep(5 * time.Millisecond)
	}
	st := sh.Stats()
	res := clk.stop(len(records), st.BulkLatency.Sum, st.BulkRequests)
	res.resent = st.Retried // after 429s, or 5xx and transport errors, which a healthy node does not give
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	st = sh.Stats()
	if st.Shipped != uint64(len(records)) || st.DeadLettered != 0 {
		b.Fatalf("shipped %d, dead-lettered %d of %d", st.Shipped, st.DeadLettered, len(records))
	}
	return res
}

// cpuTimes are what the engine's and Redis's processes have spent so far.
type cpuTimes struct{ engine, redis time.Duration }

// serverCPU reads what the engine and Redis have spent.
func serverCPU(b *testing.B, s servers) cpuTimes {
	return cpuTimes{engine: engineCPU(b, s), redis: redisCPU(b, s)}
}

// engineCPU is the engine's CPU time, from /proc/PID/stat.
func engineCPU(b *testing.B, s servers) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.es.Pid()))
	if err != nil {
		b.Fatalf("engine CPU: %v", err)
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// redisCPU is Redis's CPU time, from INFO cpu.
func redisCPU(b *testing.B, s servers) time.Duration {
	c, err := s.redis.Dial()
	if err != nil {
		b.Fatalf("Redis CPU: %v", err)
	}
	defer c.Close()
	info, err := redis.String(c.Do("INFO", "cpu"))
	if err != nil {
		b.Fatalf("Redis CPU: %v", err)
	}
	var sec float64
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "used_cpu_sys" || k == "used_cpu_user" {
			x, _ := strconv.ParseFloat(v, 64)
			sec += x
		}
	}
	return time.Duration(sec * float64(time.Second))
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
