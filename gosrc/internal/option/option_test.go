package option

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1": 1, "2k": 2048, "2K": 2048, "2KiB": 2048, "3M": 3 << 20,
		"3MiB": 3 << 20, "1G": 1 << 30, "1GiB": 1 << 30, "64M": 64 << 20} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "k", "1.5M", "1T", "1MB", "1kB", "-1", "99999999999G", " 1M"} {
		_, err := ParseSize(bad)
		assert.Error(t, err, bad)
	}
}

func TestFormatSizeReadsBack(t *testing.T) {
	for _, n := range []int64{0, 1, 1000, 1024, 1536, 64 << 20, 512 << 20, 3 << 30} {
		got, err := ParseSize(FormatSize(n))
		require.NoError(t, err, FormatSize(n))
		assert.Equal(t, n, got)
	}
	assert.Equal(t, "64MiB", FormatSize(64<<20))
	assert.Equal(t, "1536", FormatSize(1536), "not a whole number of KiB")
}

func TestFormatDurationReadsBack(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Minute: "1m", time.Hour: "1h", 90 * time.Second: "1m30s",
		100 * time.Millisecond: "100ms", 0: "0s", 36 * time.Hour: "36h", time.Hour + time.Second: "1h0m1s"} {
		assert.Equal(t, want, FormatDuration(d))
		got, err := ParseDuration(want)
		require.NoError(t, err)
		assert.Equal(t, d, got)
	}
}

func TestParseDurationBoolCount(t *testing.T) {
	d, err := ParseDuration("1m30s")
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, d)
	_, err = ParseDuration("-1s")
	assert.Error(t, err, "negative durations are refused")
	_, err = ParseDuration("30")
	assert.Error(t, err, "a bare number has no unit")

	for in, want := range map[string]bool{"yes": true, "On": true, "1": true, "true": true, "no": false, "OFF": false, "0": false, "false": false} {
		got, err := ParseBool(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err = ParseBool("maybe")
	assert.Error(t, err)

	n, err := ParseCount("42")
	require.NoError(t, err)
	assert.EqualValues(t, 42, n)
	for _, bad := range []string{"-1", "1k", "x", ""} {
		_, err := ParseCount(bad)
		assert.Error(t, err, bad)
	}
}

type testConfig struct {
	Name    string
	On      bool
	N       int
	Bytes   int64
	Wait    time.Duration
	Mode    string
	Items   []string
	Inner   innerConfig
	Secret  string
	Counted int
}

type innerConfig struct{ Size int }

var innerTable = &Table[innerConfig]{Component: "inner", Options: []Option[innerConfig]{
	Size("batch-bytes", "1M", "bytes per batch", func(c *innerConfig) *int { return &c.Size }),
}}

var testTable = &Table[testConfig]{Component: "test", Options: append([]Option[testConfig]{
	String("name", "x", "a name", func(c *testConfig) *string { return &c.Name }),
	Bool("on", "no", "a switch", func(c *testConfig) *bool { return &c.On }),
	Count("n", "3", "a count", func(c *testConfig) *int { return &c.N }).WithAliases("number"),
	Size("bytes", "64MiB", "a size", func(c *testConfig) *int64 { return &c.Bytes }),
	Duration("wait", "5s", "a wait", func(c *testConfig) *time.Duration { return &c.Wait }),
	Enum("mode", "a", "a mode", []string{"a", "b"}, func(c *testConfig) *string { return &c.Mode }),
	List("items", "", "a list", func(c *testConfig) *[]string { return &c.Items }),
	String("password", "", "a secret", func(c *testConfig) *string { return &c.Secret }).AsSecret(nil),
}, Nested("es-", innerTable, func(c *testConfig) *innerConfig { return &c.Inner })...)}

func TestTableSetsEveryKind(t *testing.T) {
	require.NoError(t, testTable.SelfCheck())
	var c testConfig
	testTable.ApplyDefaults(&c)
	assert.Equal(t, testConfig{Name: "x", N: 3, Bytes: 64 << 20, Wait: 5 * time.Second, Mode: "a", Inner: innerConfig{Size: 1 << 20}}, c)

	for _, p := range [][2]string{{"name", "y"}, {"on", "yes"}, {"number", "7"}, {"bytes", "1k"}, {"wait", "1m"},
		{"mode", "b"}, {"items", "p, q,,r"}, {"es-batch-bytes", "2M"}} {
		require.NoError(t, testTable.Set(&c, p[0], p[1]), p)
	}
	assert.Equal(t, testConfig{Name: "y", On: true, N: 7, Bytes: 1024, Wait: time.Minute, Mode: "b",
		Items: []string{"p", "q", "r"}, Inner: innerConfig{Size: 2 << 20}}, c)
}

func TestTableErrorsNameTheOption(t *testing.T) {
	var c testConfig
	err := testTable.Set(&c, "bytes", "1MB")
	var oe *Error
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, Error{Component: "test", Option: "bytes", Value: "1MB", Reason: want(KindSize)}, *oe)
	assert.Equal(t, `cloudtap: test: invalid option bytes="1MB": want a byte count such as 1048576, 512k, 64M, 64MiB or 1G`, err.Error())

	err = testTable.Set(&c, "mode", "c")
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "want a or b", oe.Reason)

	err = testTable.Set(&c, "password", "")
	require.NoError(t, err)
	require.NoError(t, testTable.Set(&c, "password", "hunter2"))
	err = (&Table[testConfig]{Component: "test", Options: []Option[testConfig]{
		Count("pin", "", "a secret count", func(c *testConfig) *int { return &c.Counted }).AsSecret(nil)}}).Set(&c, "pin", "12a4")
	require.ErrorAs(t, err, &oe)
	assert.NotContains(t, err.Error(), "12a4", "a secret value is never echoed")
}

func TestUnknownNamesSuggestTheClosest(t *testing.T) {
	var c testConfig
	var oe *Error
	err := testTable.Set(&c, "es-batch-byte", "1M")
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "unknown option; did you mean es-batch-bytes?", oe.Reason)

	err = testTable.Set(&c, "nmae", "z")
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "unknown option; did you mean name?", oe.Reason)

	err = testTable.Set(&c, "completely-different", "z")
	require.ErrorAs(t, err, &oe)
	assert.True(t, strings.HasPrefix(oe.Reason, "unknown option; known: bytes, es-batch-bytes, items,"), oe.Reason)

	err = testTable.Set(&c, "es-colour", "red")
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "unknown option; known: es-batch-bytes", oe.Reason, "an es- name is shown the es- options")

	err = testTable.Set(&c, "nmae", "redis://u:secret@h")
	assert.NotContains(t, err.Error(), "secret", "an unknown key's value may be a URL with a password")
}

func TestClosest(t *testing.T) {
	known := []string{"batch-max-bytes", "batch-max-records", "buffer-max-bytes", "maxlen", "maxage"}
	assert.Equal(t, "batch-max-bytes", Closest("batch-max-byte", known))
	assert.Equal(t, "maxlen", Closest("maxln", known))
	assert.Equal(t, "buffer-max-bytes", Closest("bufer-max-bytes", known))
	assert.Equal(t, "", Closest("zzz", known))
}

func TestPairsRefuseAKeyTwiceAndKeepOrder(t *testing.T) {
	p := Pairs{Component: "test"}
	require.NoError(t, p.AddQuery("b=2&a=1&c=x%26y"))
	assert.Equal(t, []Pair{{"b", "2"}, {"a", "1"}, {"c", "x&y"}}, p.List)
	var oe *Error
	require.ErrorAs(t, p.Add("a", "3"), &oe)
	assert.Equal(t, "given more than once", oe.Reason)
	v, ok := p.Take("a")
	assert.True(t, ok)
	assert.Equal(t, "1", v)
	assert.Equal(t, []Pair{{"b", "2"}, {"c", "x&y"}}, p.List)
	require.Error(t, p.AddQuery("d=%zz"))
}

func TestSelfCheckFindsBrokenTables(t *testing.T) {
	dup := &Table[testConfig]{Component: "t", Options: []Option[testConfig]{
		String("a", "", "x", func(c *testConfig) *string { return &c.Name }),
		String("b", "", "y", func(c *testConfig) *string { return &c.Name }).WithAliases("a"),
	}}
	assert.ErrorContains(t, dup.SelfCheck(), "a twice")
	badDefault := &Table[testConfig]{Component: "t", Options: []Option[testConfig]{
		Size("s", "1MB", "x", func(c *testConfig) *int64 { return &c.Bytes }),
	}}
	assert.ErrorContains(t, badDefault.SelfCheck(), "default")
	noDoc := &Table[testConfig]{Component: "t", Options: []Option[testConfig]{
		String("a", "", "", func(c *testConfig) *string { return &c.Name }),
	}}
	assert.ErrorContains(t, noDoc.SelfCheck(), "no doc")
}

func TestMarkdownAndText(t *testing.T) {
	md := Markdown(innerTable.Rows())
	assert.Equal(t, "| option | type | default | meaning |\n|---|---|---|---|\n| `batch-bytes` | size | `1M` | bytes per batch |\n", md)
	assert.Equal(t, "  batch-bytes  size (default 1M): bytes per batch\n", Text(innerTable.Rows()))
}
