package coldstore

import (
	"bytes"
	"encoding/json"
	"testing"
)

// reference is what encoding/json says of rec: valid as one object, and
// the raw values of its top-level keys, exactly as written (the last of
// each).
func reference(rec []byte) (ok bool, m map[string]json.RawMessage) {
	if !json.Valid(rec) {
		return false, nil
	}
	t := bytes.TrimLeft(rec, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return false, nil
	}
	if err := json.Unmarshal(rec, &m); err != nil {
		return false, nil
	}
	return true, m
}

func checkScan(t *testing.T, rec []byte) {
	t.Helper()
	var ecs ecsFields
	f, err := scanRecord(rec, &ecs)
	ok, m := reference(rec)
	if (err == nil) != ok {
		t.Fatalf("%q: scanRecord says %v, encoding/json valid=%v", rec, err, ok)
	}
	if !ok {
		return
	}
	for key, got := range map[string][]byte{"ts": f.Ts, "@timestamp": f.Timestamp, "id.orig_h": ecs.OrigH, "id.orig_p": ecs.OrigP,
		"id.resp_h": ecs.RespH, "id.resp_p": ecs.RespP, "id.ctx.mirror_session": ecs.MirrorSession, "orig_bytes": ecs.OrigBytes,
		"orig_pkts": ecs.OrigPkts, "resp_bytes": ecs.RespBytes, "resp_pkts": ecs.RespPkts, "proto": ecs.Proto,
		"service": ecs.Service, "duration": ecs.Duration, "uid": ecs.UID} {
		if !bytes.Equal(got, m[key]) {
			t.Fatalf("%q: %s is %q, encoding/json: %q", rec, key, got, m[key])
		}
	}
	if want := bytes.ContainsAny(rec, "\r\n"); f.LineBreak != want {
		t.Fatalf("%q: line break %v, want %v", rec, f.LineBreak, want)
	}
}

func TestScanRecordAgreesWithEncodingJSON(t *testing.T) {
	for _, rec := range []string{
		connRecord(7), ecsConn(8), `{}`, ` {"ts":1} `, "{\n\"ts\":1.5}\r\n", `{"ts":"2026-12-02T10:00:00Z","@timestamp":"x"}`,
		`{"ts":1,"ts":2}`, `{"a":{"ts":3},"ts":4}`, `{"a":[1,-0.5e+3,true,false,null,"\u00e9\"\\"],"ts":0}`,
		`{"ts":}`, `{"ts":01}`, `{"ts":1.}`, `{"ts":1e}`, `{"a":"\x"}`, "{\"a\":\"\x01\"}", `{"a":"\u12"}`,
		`{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":tru}`, `{"a":1}x`, `[1]`, `"s"`, ``, `{`, `{"a":[1,]}`,
		`{"TS":5}`, `{"t\u0073":5}`,
	} {
		checkScan(t, []byte(rec))
	}
}

func TestScanRecordAllocatesNothing(t *testing.T) {
	rec := []byte(connRecord(3))
	if n := testing.AllocsPerRun(100, func() { scanRecord(rec, nil) }); n != 0 {
		t.Fatalf("%v allocations per record", n)
	}
}

func FuzzScanRecord(f *testing.F) {
	for _, s := range []string{connRecord(1), ecsConn(2), `{"ts":1,"a":[{"b":"\n"}]}`, `{"@timestamp":"x","ts":"y"}`, "{\r\n}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) { checkScan(t, rec) })
}

// A record over several lines is made one line before it is shipped, and
// its ECS fields are read from that line: nothing of the original's line
// breaks reaches the bulk body.
func TestECSDocumentOfAMultiLineRecord(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Format = FormatECS
	rec := "{\"ts\":1700000000.5,\n \"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1234,\n\"service\":[\n\"dns\"\n],\"proto\":\"udp\"}"
	d, err := newDocument(newTargets(&cfg), "conn", entry{ID: "1700000000000-0", Record: []byte(rec)})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(d.Source, "\r\n") || !bytes.Contains(d.Source, []byte(`"source":{"ip":"10.0.0.1","port":1234}`)) {
		t.Fatalf("ECS document %s", d.Source)
	}
}
