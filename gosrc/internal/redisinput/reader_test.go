package redisinput

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/option"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// The fields of Zeek's Intel::Item, as the Input framework unrolls them.
var intelFields = []Field{
	{"indicator", "string"}, {"indicator_type", "enum"},
	{"meta.source", "string"}, {"meta.desc", "string"}, {"meta.url", "string"},
}

func open(t *testing.T, srv *redistest.Server, source string, mode Mode, fields []Field, config ...option.Pair) *Reader {
	t.Helper()
	cfg, err := Parse(source, srv.URL("", ""), config, mode)
	require.NoError(t, err)
	r, err := Open(cfg, fields)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	return r
}

// collect takes updates until want have come (or 10 s pass).
func collect(t *testing.T, r *Reader, want int) []Update {
	t.Helper()
	var got []Update
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		u, ok := r.Next()
		if !ok {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		got = append(got, u)
	}
	require.Len(t, got, want, "updates: %v", got)
	return got
}

func messages(r *Reader) string {
	var all []string
	for {
		m, ok := r.NextMessage()
		if !ok {
			return strings.Join(all, "\n")
		}
		all = append(all, m)
	}
}

func TestManualReadsAHashOnceAndSkipsBadRows(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	_, err := c.Do("HSET", "intel",
		"a", `{"indicator":"198.51.100.7","indicator_type":"Intel::ADDR","meta":{"source":"hunt","desc":"c2"}}`,
		"b", `{"indicator":"evil.example","indicator_type":"Intel::DOMAIN","meta.source":"hunt"}`,
		"bad", `{"indicator":"x","indicator_type":"not an enum","meta.source":"hunt"}`,
		"worse", `not json`)
	require.NoError(t, err)
	r := open(t, srv, "intel", Manual, intelFields)
	got := collect(t, r, 3)
	rows := map[string][]string{}
	for _, u := range got[:2] {
		assert.Equal(t, OpRow, u.Op)
		rows[u.Row[0]] = u.Row
	}
	assert.Equal(t, OpEnd, got[2].Op)
	assert.Equal(t, []string{"198.51.100.7", "Intel::ADDR", "hunt", "c2", "-"}, rows["198.51.100.7"])
	assert.Equal(t, []string{"evil.example", "Intel::DOMAIN", "hunt", "-", "-"}, rows["evil.example"])
	msgs := messages(r)
	assert.Contains(t, msgs, "cloudtap: reader intel: field ")
	assert.Contains(t, msgs, "(entry skipped)")
	assert.Contains(t, msgs, "1 more bad entries skipped")
	// Read once: a later change is not read.
	_, err = c.Do("HSET", "intel", "c", `{"indicator":"x.example","indicator_type":"Intel::DOMAIN","meta.source":"s"}`)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	_, ok := r.Next()
	assert.False(t, ok)
}

func TestTypesAreCheckedAndWrittenAsZeekReadsThem(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	fields := []Field{{"a", "addr"}, {"n", "subnet"}, {"p", "port"}, {"c", "count"}, {"i", "int"}, {"d", "double"},
		{"t", "time"}, {"iv", "interval"}, {"b", "bool"}, {"s", "string"}, {"set", "set[addr]"}, {"v", "vector[string]"}}
	_, err := c.Do("RPUSH", "rows",
		`{"a":"::ffff:10.0.0.1","n":"10.1.2.3/16","p":"443/tcp","c":7,"i":-3,"d":1.5,"t":"2025-03-14T09:26:53Z","iv":30,"b":true,"s":"a,b\\-","set":["10.0.0.1","2001:db8::1"],"v":[]}`,
		`{"c":-1}`, `{"p":"99999"}`, `{"set":["10.0.0.1","nope"]}`, `{"t":"yesterday"}`)
	require.NoError(t, err)
	r := open(t, srv, "rows", Manual, fields)
	got := collect(t, r, 2)
	assert.Equal(t, []string{"10.0.0.1", "10.1.0.0/16", "443/tcp", "7", "-3", "1.5", "1741944413", "30", "T",
		`a\x2cb\x5c-`, "10.0.0.1,2001:db8::1", "(empty)"}, got[0].Row)
	assert.Equal(t, OpEnd, got[1].Op)
	msgs := messages(r)
	assert.Contains(t, msgs, `element 1: field c: "-1" is not a count (entry skipped)`)
	assert.Contains(t, msgs, "3 more bad entries skipped")
}

func TestRereadSeesChangesToASet(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	_, err := c.Do("SADD", "nets", "10.0.0.0/8\tcorp", "192.168.0.0/16\tlab")
	require.NoError(t, err)
	r := open(t, srv, "nets", Reread, []Field{{"net", "subnet"}, {"name", "string"}},
		option.Pair{Key: "format", Value: "tsv"}, option.Pair{Key: "poll", Value: "50ms"})
	assert.Len(t, collect(t, r, 3), 3)
	time.Sleep(200 * time.Millisecond)
	_, ok := r.Next()
	assert.False(t, ok, "an unchanged key is not read again")
	_, err = c.Do("SREM", "nets", "192.168.0.0/16\tlab")
	require.NoError(t, err)
	got := collect(t, r, 2)
	assert.Equal(t, Update{OpRow, []string{"10.0.0.0/8", "corp"}}, got[0])
	assert.Equal(t, OpEnd, got[1].Op)
}

func TestStreamFollowsAStreamAcrossARedisRestart(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true})
	c := srv.Conn(t)
	fields := []Field{{"host", "addr"}, {"why", "string"}}
	_, err := c.Do("XADD", "blocks", "*", "host", "10.0.0.1", "why", "scan")
	require.NoError(t, err)
	r := open(t, srv, "blocks", Stream, fields)
	assert.Equal(t, Update{OpPut, []string{"10.0.0.1", "scan"}}, collect(t, r, 1)[0])

	require.NoError(t, srv.Stop())
	time.Sleep(300 * time.Millisecond) // the reader notices
	require.NoError(t, srv.Restart())
	c = srv.Conn(t)
	_, err = c.Do("XADD", "blocks", "*", "host", "10.0.0.2", "why", "brute force")
	require.NoError(t, err)
	_, err = c.Do("XADD", "blocks", "*", "_op", "remove", "host", "10.0.0.1", "why", "scan")
	require.NoError(t, err)
	got := collect(t, r, 2)
	assert.Equal(t, Update{OpPut, []string{"10.0.0.2", "brute force"}}, got[0])
	assert.Equal(t, Update{OpDelete, []string{"10.0.0.1", "scan"}}, got[1])
	msgs := messages(r)
	assert.Contains(t, msgs, "retrying")
	assert.Contains(t, msgs, "Redis answers again")
}

func TestStreamReadsAHashThenFollowsItsChanges(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := srv.Conn(t)
	item := `{"indicator":"evil.example","indicator_type":"Intel::DOMAIN","meta.source":"hunt"}`
	_, err := c.Do("HSET", "cloudtap:intel", "k1", item)
	require.NoError(t, err)
	r := open(t, srv, "cloudtap:intel", Stream, intelFields)
	assert.Equal(t, OpPut, collect(t, r, 1)[0].Op)
	item2 := `{"indicator":"203.0.113.9","indicator_type":"Intel::ADDR","meta.source":"hunt"}`
	_, err = c.Do("XADD", "{cloudtap:intel}:changes", "*", "op", "add", "value", item2)
	require.NoError(t, err)
	_, err = c.Do("XADD", "{cloudtap:intel}:changes", "*", "op", "remove", "value", item)
	require.NoError(t, err)
	got := collect(t, r, 2)
	assert.Equal(t, Update{OpPut, []string{"203.0.113.9", "Intel::ADDR", "hunt", "-", "-"}}, got[0])
	assert.Equal(t, Update{OpDelete, []string{"evil.example", "Intel::DOMAIN", "hunt", "-", "-"}}, got[1])
}

func TestRedisDownAtStart(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true})
	c := srv.Conn(t)
	_, err := c.Do("HSET", "h", "k", `{"host":"10.0.0.9"}`)
	require.NoError(t, err)
	require.NoError(t, srv.Stop())
	r := open(t, srv, "h", Manual, []Field{{"host", "addr"}})
	time.Sleep(300 * time.Millisecond)
	assert.Contains(t, messages(r), "keeping what was read; retrying")
	require.NoError(t, srv.Restart())
	got := collect(t, r, 2)
	assert.Equal(t, Update{OpRow, []string{"10.0.0.9"}}, got[0])
}

func TestSourceAndConfigAreChecked(t *testing.T) {
	for _, tc := range []struct{ source, want string }{
		{"redis://127.0.0.1:6379", "names no key"},
		{"redis://u:secret@127.0.0.1:6379", "redis://…@127.0.0.1:6379"},
		{"", "names no Redis key"},
	} {
		_, err := Parse(tc.source, "redis://127.0.0.1:6379", nil, Manual)
		require.Error(t, err, tc.source)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), "secret")
	}
	_, err := Parse("k", "redis://127.0.0.1:6379", []option.Pair{{Key: "formt", Value: "tsv"}}, Manual)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did you mean format?")
	cfg, err := Parse("redis://127.0.0.1:7000/2#a#b", "", nil, Stream)
	require.NoError(t, err)
	assert.Equal(t, "b", cfg.Key)
	assert.Equal(t, "{b}:changes", cfg.Changes)
	_, err = Open(cfg, []Field{{"x", "table[string] of string"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "field x: type table[string] of string is not one")
}

// On a Redis Cluster the hash and its changes stream share a slot, and the
// reader follows them on whichever node serves it; with ACL and TLS it
// connects as the writer does.
func TestStreamOnAClusterAndOverTLSWithAUser(t *testing.T) {
	cluster := redistest.StartCluster(t, 3, redistest.Options{})
	addrs := cluster.Addrs()
	owner, err := cluster.Owner("cloudtap:intel")
	require.NoError(t, err)
	c := owner.Conn(t)
	item := `{"indicator":"evil.example","indicator_type":"Intel::DOMAIN","meta.source":"hunt"}`
	_, err = c.Do("HSET", "cloudtap:intel", "k", item)
	require.NoError(t, err)
	// Another node first: the reader must follow the slot map.
	other := addrs[0]
	if other == owner.Addr() {
		other = addrs[1]
	}
	cfg, err := Parse("redis://"+other+"/0?cluster=yes#cloudtap:intel", "", nil, Stream)
	require.NoError(t, err)
	r, err := Open(cfg, intelFields)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	assert.Equal(t, OpPut, collect(t, r, 1)[0].Op)
	_, err = c.Do("XADD", "{cloudtap:intel}:changes", "*", "op", "remove", "value", item)
	require.NoError(t, err)
	assert.Equal(t, OpDelete, collect(t, r, 1)[0].Op)

	tlsSrv := redistest.Start(t, redistest.Options{TLS: true, Users: []redistest.User{{Name: "zeek", Password: "s3cret"}}})
	tc := tlsSrv.Conn(t)
	_, err = tc.Do("RPUSH", "rows", `{"host":"10.0.0.1"}`)
	require.NoError(t, err)
	cfg, err = Parse(tlsSrv.URL("zeek", "s3cret")+"?tls-ca-file="+tlsSrv.CAFile+"#rows", "", nil, Manual)
	require.NoError(t, err)
	r2, err := Open(cfg, []Field{{"host", "addr"}})
	require.NoError(t, err)
	t.Cleanup(r2.Close)
	assert.Equal(t, Update{OpRow, []string{"10.0.0.1"}}, collect(t, r2, 2)[0])
}

// CloudTap::redis_url is the writer's configuration: a URL and words.
func TestADefaultServerMayBeAWholeWriterConfiguration(t *testing.T) {
	cfg, err := Parse("cloudtap:intel", "redis://127.0.0.1:7001/3 es-flush-interval=200ms elasticsearch=http://127.0.0.1:9200 maxlen=1000", nil, Stream)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7001", cfg.Redis.Addr)
	assert.Equal(t, 3, cfg.Redis.DB)
	_, err = Parse("cloudtap:intel", "redis://127.0.0.1:7001/0 bogus=1", nil, Stream)
	assert.ErrorContains(t, err, "bogus")
}
