package hotstore

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// BenchmarkDeliveryWithPendingGroup measures delivery while the cold
// tier's group holds a large backlog of pending entries (read, never
// acknowledged: Elasticsearch is away), with maxlen set so that every
// retention pass has to size the group's window (an XRANGE of up to
// 10 000 entries). Sub-benchmarks, alternated in one run on one server:
//
//	retention=every-batch  a pass after every delivered batch: what the
//	                       delivery script did inside itself before
//	                       retention ran apart
//	retention=1s           the default retention-interval
//
// It reports records/s of each, and (in the second) the ratio to the
// first. PENDING sets the backlog (default 1 000 000).
func BenchmarkDeliveryWithPendingGroup(b *testing.B) {
	pending := 1_000_000
	if v := benchEnvInt(b, "PENDING"); v > 0 {
		pending = v
	}
	srv := redistest.Start(b, redistest.Options{})
	c := srv.Conn(b)
	fillPending(b, c, "zeek:conn", "cold", pending)
	rates := map[string]float64{}
	for _, mode := range []struct{ name, interval string }{{"every-batch", "0"}, {"1s", "1s"}} {
		b.Run("retention="+mode.name, func(b *testing.B) {
			cfg, err := ParseURL(srv.URL("", "") + "?maxlen=1000&protect-group=cold&retention-interval=" + mode.interval)
			if err != nil {
				b.Fatal(err)
			}
			rate := deliverN(b, cfg, b.N)
			rates[mode.name] = rate
			b.ReportMetric(rate, "records/s")
			if before := rates["every-batch"]; mode.name != "every-batch" && before > 0 {
				b.ReportMetric(rate/before, "x-every-batch")
			}
		})
	}
}

// fillPending makes key a stream of n entries, all delivered to group and
// none acknowledged.
func fillPending(b *testing.B, c redis.Conn, key, group string, n int) {
	b.Helper()
	const chunk = 10_000
	for i := 0; i < n; i += chunk {
		for j := i; j < min(i+chunk, n); j++ {
			if err := c.Send("XADD", key, "*", "json", fmt.Sprintf(`{"n":%d}`, j)); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Flush(); err != nil {
			b.Fatal(err)
		}
		for j := i; j < min(i+chunk, n); j++ {
			if _, err := c.Receive(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := c.Do("XGROUP", "CREATE", key, group, "0"); err != nil {
		b.Fatal(err)
	}
	for read := 0; read < n; {
		reply, err := redis.Values(c.Do("XREADGROUP", "GROUP", group, "shipper", "COUNT", 100_000, "STREAMS", key, ">"))
		if err != nil {
			b.Fatal(err)
		}
		entries, err := redis.Values(reply[0].([]any)[1], nil)
		if err != nil {
			b.Fatal(err)
		}
		read += len(entries)
	}
	got, err := redis.Values(c.Do("XPENDING", key, group))
	if err != nil || got[0].(int64) != int64(n) {
		b.Fatalf("XPENDING %s %s: %v, %v; want %d pending", key, group, got, err, n)
	}
}

// deliverN writes n records in batches of 100 and returns records/s until
// Redis acknowledged the last.
func deliverN(b *testing.B, cfg Config, n int) float64 {
	b.Helper()
	s := openBenchStream(b, cfg)
	pool := connRecords("conn", 0, 1000)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < n; i += 100 {
		if err := s.Write(pool[i%900 : i%900+min(100, n-i)]); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	rate := float64(n) / time.Since(start).Seconds()
	b.StopTimer()
	if st := s.Stats(); st.Dropped != 0 {
		b.Fatalf("dropped %d records", st.Dropped)
	}
	return rate
}

// benchEnvInt reads a whole number from the environment; 0 when unset.
func benchEnvInt(b *testing.B, name string) int {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a whole number", name, v)
	}
	return n
}
