package hotstore

import (
	"context"
	"testing"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// benchWrite measures records/s from Write until Redis has acknowledged
// them all (Flush), into a real redis-server with default settings.
func benchWrite(b *testing.B, query string, opts redistest.Options) {
	srv := redistest.Start(b, opts)
	cfg, err := ParseURL(srv.URL("", "") + query)
	if err != nil {
		b.Fatal(err)
	}
	s := openBenchStream(b, cfg)

	// A pool of realistic records, reused: Write copies them anyway.
	const writeBatch = 100
	pool := connRecords("conn", 0, 10*writeBatch)
	b.SetBytes(int64(len(pool[0])))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i += writeBatch {
		n := min(writeBatch, b.N-i)
		off := i % len(pool)
		if off+n > len(pool) {
			off = 0
		}
		if err := s.Write(pool[off : off+n]); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
	if st := s.Stats(); st.Dropped != 0 {
		b.Fatalf("dropped %d records", st.Dropped)
	}
}

// openBenchStream opens path conn of a new writer for cfg, closed when
// the benchmark ends.
func openBenchStream(b *testing.B, cfg Config) *Stream {
	b.Helper()
	w, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = w.Close(context.Background()) })
	s, err := w.Open("conn")
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkWriteStream(b *testing.B) { benchWrite(b, "", redistest.Options{}) }

func BenchmarkWriteStreamMaxLen(b *testing.B) { benchWrite(b, "?maxlen=100000", redistest.Options{}) }

func BenchmarkWriteStreamProtectGroup(b *testing.B) {
	benchWrite(b, "?maxlen=100000&protect-group=cold", redistest.Options{})
}

func BenchmarkWriteStreamAppendFsyncAlways(b *testing.B) {
	benchWrite(b, "", redistest.Options{AppendOnly: true})
}

func BenchmarkWriteList(b *testing.B) { benchWrite(b, "?mode=list", redistest.Options{}) }
