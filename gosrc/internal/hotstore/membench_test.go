package hotstore

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"
)

// BenchmarkBufferMemory measures what a record costs in memory while it
// waits in the buffer because Redis is unreachable: b.N records of Zeek
// conn.log JSON go through the real Writer (Open, Write) towards a port
// nothing listens on, so every one of them stays buffered. The live heap
// is read after a full GC before the first Write and after the last, and
// the growth per record is reported against the record's own bytes, the
// baseline measured in the same run:
//
//	heap-B/record     live heap growth per buffered record
//	payload-B/record  the record's JSON bytes (mean)
//	overhead-x        heap-B/record / payload-B/record
//
// Sub-benchmarks differ in records per Write call: 1000 is
// CloudTap::redis_batch_size's default, what Zeek's writer thread hands
// over under load; 10 is what flushes and heartbeats hand over when little
// is logged. tools/bench-logs runs it as
//
//	go test -run '^$' -bench BufferMemory -benchtime 200000x ./gosrc/internal/hotstore/
//
// These are measurements, never asserted: the only failures are records
// not buffered (a drop, or a Redis that was reachable after all).
func BenchmarkBufferMemory(b *testing.B) {
	for _, batch := range []int{1000, 10} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchBufferMemory(b, batch) })
	}
}

func benchBufferMemory(b *testing.B, batch int) {
	cfg, err := ParseURL("redis://" + deadAddr(b) + "/0")
	if err != nil {
		b.Fatal(err)
	}
	// The defaults (1M records, 512 MB) bound the buffer; a run must fit.
	cfg.OnError = func(error) {} // connection refused, over and over
	w, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s, err := w.Open("conn")
	if err != nil {
		b.Fatal(err)
	}

	// The records, made before the first reading so that they count in
	// neither: Write copies them, and only its copies should show.
	records := make([][]byte, b.N)
	payload := 0
	for i := range records {
		records[i] = zeekConnJSON(i)
		payload += len(records[i])
	}

	b.ResetTimer()
	before := liveHeap()
	for i := 0; i < b.N; i += batch {
		if err := s.Write(records[i:min(i+batch, b.N)]); err != nil {
			b.Fatal(err)
		}
	}
	after := liveHeap()
	b.StopTimer()

	st := s.Stats()
	if st.Buffered != int64(b.N) || st.Written != 0 || st.Dropped != 0 {
		b.Fatalf("want all %d records buffered, got %+v", b.N, st)
	}
	perRecord := float64(int64(after)-int64(before)) / float64(b.N)
	payloadPerRecord := float64(payload) / float64(b.N)
	b.ReportMetric(perRecord, "heap-B/record")
	b.ReportMetric(payloadPerRecord, "payload-B/record")
	b.ReportMetric(perRecord/payloadPerRecord, "overhead-x")
	b.ReportMetric(0, "ns/op") // the time of Write is BenchmarkWrite*'s business

	runtime.KeepAlive(records)
	// Nothing can be delivered: give up at once (the records are reported
	// as dropped to the silent OnError).
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_ = w.Close(ctx)
}

// liveHeap is the heap in use once garbage is gone: runtime.GC returns
// only when the sweep is done, so HeapAlloc then counts live objects.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// deadAddr returns a loopback address with nothing listening: a port that
// was free a moment ago, so connecting is refused at once.
func deadAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	return addr
}

// zeekConnJSON renders a conn.log record as Zeek 8 logs it through
// cloudtap (no tunnel_parents: Zeek sees the decapsulated frame; the
// mirror session from CloudTap/session-key), in the JSON that
// LogAscii::use_json and WRITER_REDIS write. In turn: a TCP/TLS
// connection, a UDP DNS exchange, an unanswered TCP attempt (S0). The
// conn.log lines Zeek writes for the shared captures through
// cloudtap::file:// average 396 bytes; these are 338-444, 403 on average.
func zeekConnJSON(i int) []byte {
	uid := fmt.Sprintf("C%d%016x", i%10, uint64(i)*0x9e3779b97f4a7c15) // 18 characters, as Zeek's
	ts, usec := 1700000000+i/1000, i%1000*1000
	orig := fmt.Sprintf("10.0.%d.%d", (i>>8)&255, i&255)
	dur := uint64(i) * 7919 % 1e16
	switch i % 3 {
	case 0:
		return fmt.Appendf(nil, `{"ts":%d.%06d,"uid":"%s","id.orig_h":"%s","id.orig_p":%d,`+
			`"id.resp_h":"93.184.216.34","id.resp_p":443,"id.ctx.mirror_session":%d,"proto":"tcp","service":"ssl",`+
			`"duration":%d.%016d,"orig_bytes":%d,"resp_bytes":%d,"conn_state":"SF","local_orig":true,`+
			`"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":%d,"orig_ip_bytes":%d,`+
			`"resp_pkts":%d,"resp_ip_bytes":%d,"ip_proto":6}`,
			ts, usec, uid, orig, 1024+i%60000, 100+i%7, i%10, dur, 100+i%5000, 1000+i%50000,
			4+i%20, 300+i%6000, 3+i%30, 1200+i%60000)
	case 1:
		return fmt.Appendf(nil, `{"ts":%d.%06d,"uid":"%s","id.orig_h":"%s","id.orig_p":%d,`+
			`"id.resp_h":"10.0.0.2","id.resp_p":53,"id.ctx.mirror_session":%d,"proto":"udp","service":"dns",`+
			`"duration":0.%016d,"orig_bytes":%d,"resp_bytes":%d,"conn_state":"SF","local_orig":true,`+
			`"local_resp":true,"missed_bytes":0,"history":"Dd","orig_pkts":1,"orig_ip_bytes":%d,`+
			`"resp_pkts":1,"resp_ip_bytes":%d,"ip_proto":17}`,
			ts, usec, uid, orig, 1024+i%60000, 100+i%7, dur, 30+i%40, 46+i%400, 58+i%40, 74+i%400)
	default:
		return fmt.Appendf(nil, `{"ts":%d.%06d,"uid":"%s","id.orig_h":"%s","id.orig_p":%d,`+
			`"id.resp_h":"198.51.100.%d","id.resp_p":%d,"id.ctx.mirror_session":%d,"proto":"tcp",`+
			`"conn_state":"S0","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"S",`+
			`"orig_pkts":1,"orig_ip_bytes":60,"resp_pkts":0,"resp_ip_bytes":0,"ip_proto":6}`,
			ts, usec, uid, orig, 1024+i%60000, i%256, 1+i%10000, 100+i%7)
	}
}
