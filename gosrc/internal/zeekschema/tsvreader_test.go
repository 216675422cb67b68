package zeekschema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeJSON reads one JSON object with numbers as float64 values, so that
// Zeek's "124.000000" (TSV) and 124.0 (JSON) compare equal as numbers.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	return m
}

// assertSameRecord compares decoded records. Numbers may differ in the
// seventh decimal: TSV logs round doubles to six, JSON logs do not.
func assertSameRecord(t *testing.T, want, got any, where string) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		require.True(t, ok, "%s: want an object, got %v", where, got)
		require.ElementsMatch(t, keys(w), keys(g), where)
		for k := range w {
			assertSameRecord(t, w[k], g[k], where+" "+k)
		}
	case []any:
		g, ok := got.([]any)
		require.True(t, ok, "%s: want an array, got %v", where, got)
		require.Len(t, g, len(w), where)
		for i := range w {
			assertSameRecord(t, w[i], g[i], fmt.Sprintf("%s[%d]", where, i))
		}
	case float64:
		assert.InDelta(t, w, got, 5e-7, where)
	default:
		assert.Equal(t, want, got, where)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTSVRowsMatchZeekJSON reads every TSV log Zeek wrote in testdata and
// checks each row against the JSON line Zeek wrote for the same record.
func TestTSVRowsMatchZeekJSON(t *testing.T) {
	tsvFiles, err := filepath.Glob(filepath.Join("testdata", "*.log"))
	require.NoError(t, err)
	var tsvOnly []string
	for _, f := range tsvFiles {
		if !strings.HasSuffix(f, ".json.log") {
			tsvOnly = append(tsvOnly, f)
		}
	}
	require.Len(t, tsvOnly, 8)
	for _, tsvPath := range tsvOnly {
		path := strings.TrimSuffix(filepath.Base(tsvPath), ".log")
		t.Run(path, func(t *testing.T) {
			jf, err := os.Open(strings.TrimSuffix(tsvPath, ".log") + ".json.log")
			require.NoError(t, err)
			defer jf.Close()
			want := bufio.NewScanner(jf)

			tf, err := os.Open(tsvPath)
			require.NoError(t, err)
			defer tf.Close()
			r := NewTSVReader(tf)
			rows := 0
			for {
				got, err := r.Next(nil)
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err)
				require.Equal(t, path, r.Header().Path)
				require.True(t, want.Scan(), "TSV has more rows than JSON (line %d)", r.Line())
				assertSameRecord(t, decodeJSON(t, want.Bytes()), decodeJSON(t, got), fmt.Sprintf("line %d", r.Line()))
				rows++
			}
			assert.False(t, want.Scan(), "JSON has more lines than TSV")
			assert.NotZero(t, rows)
		})
	}
}

// readAll renders a whole TSV log, failing on any error.
func readAll(t *testing.T, log string) []string {
	t.Helper()
	r := NewTSVReader(strings.NewReader(log))
	var out []string
	for {
		b, err := r.Next(nil)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, string(b))
	}
}

// tsv builds a log from lines, joined by newlines; "\t" inside a line is
// the field separator.
func tsv(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestTSVValues(t *testing.T) {
	log := tsv(
		`#separator \x09`,
		"#set_separator\t,",
		"#empty_field\t(empty)",
		"#unset_field\t-",
		"#path\tdemo",
		"#fields\tts\tn\ti\tp\td\tok\ts\ttags\tttls\tnote",
		"#types\ttime\tcount\tint\tport\tinterval\tbool\tstring\tset[string]\tvector[interval]\tstring",
		"1.500000\t007\t-3\t443\t.5\tT\ta\\x09b\\x2cc\tx,y\\x2cz\t1.000000,-,2.5\t(empty)",
		"2\t0\t+4\t80/tcp\t0\tF\t-\t(empty)\t(empty)\t\\x2d",
		"#close\t2026-01-01-00-00-00",
	)
	assert.Equal(t, []string{
		`{"ts":1.500000,"n":7,"i":-3,"p":443,"d":0.5,"ok":true,"s":"a\tb,c","tags":["x","y,z"],"ttls":[1.000000,null,2.5],"note":""}`,
		`{"ts":2,"n":0,"i":4,"p":80,"d":0,"ok":false,"tags":[],"ttls":[],"note":"-"}`,
	}, readAll(t, log))
}

func TestTSVStringsStayExact(t *testing.T) {
	log := tsv(`#separator \x09`, "#fields\ts", "#types\tstring",
		`quote"back\slash`,   // a backslash not followed by xNN is kept
		`\xff\xfeok\xc3\xa9`, // not UTF-8, then é
		`\x01bell`)
	assert.Equal(t, []string{
		`{"s":"quote\"back\\slash"}`,
		`{"s":"\\xff\\xfeoké"}`,
		`{"s":"\u0001bell"}`,
	}, readAll(t, log))
}

func TestTSVOtherSeparatorsAndBroTable(t *testing.T) {
	log := tsv(`#separator \x7c`, "#set_separator|;", "#empty_field|EMPTY", "#unset_field|NONE",
		"#fields|a|b|c", "#types|table[count]|string|addr",
		"1;2|EMPTY|NONE", "EMPTY|x|10.0.0.1")
	assert.Equal(t, []string{`{"a":[1,2],"b":""}`, `{"a":[],"b":"x","c":"10.0.0.1"}`}, readAll(t, log))
	r := NewTSVReader(strings.NewReader(log))
	_, err := r.Next(nil)
	require.NoError(t, err)
	assert.Equal(t, Schema{{"a", "set[count]"}, {"b", "string"}, {"c", "addr"}}, r.Header().Schema)
}

func TestTSVConcatenatedLogs(t *testing.T) {
	first := tsv(`#separator \x09`, "#path\tconn", "#fields\tn", "#types\tcount", "1", "#close\tx")
	second := tsv(`#separator \x09`, "#path\tdns", "#fields\tq\tn", "#types\tstring\tcount", "a\t2")
	r := NewTSVReader(strings.NewReader(first + second))
	var got []string
	for {
		b, err := r.Next(nil)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		got = append(got, r.Header().Path+" "+string(b))
	}
	assert.Equal(t, []string{`conn {"n":1}`, `dns {"q":"a","n":2}`}, got)
}

func TestTSVErrorsNameLineAndField(t *testing.T) {
	head := []string{`#separator \x09`, "#fields\tn\tok\tp\td", "#types\tcount\tbool\tport\tdouble"}
	for _, tc := range []struct {
		row, want string
	}{
		{"x\tT\t1\t1", `line 4: field "n" (count): "x" is not a count`},
		{"1\tyes\t1\t1", `line 4: field "ok" (bool): "yes" is not a bool (want T or F)`},
		{"1\tT\t70000\t1", `line 4: field "p" (port): "70000" is not a port`},
		{"1\tT\t1\tnan", `line 4: field "d" (double): "nan" is not a finite number`},
		{"1\tT\t1", `line 4: 3 fields, but the header declares 4`},
	} {
		r := NewTSVReader(strings.NewReader(tsv(append(head, tc.row)...)))
		_, err := r.Next(nil)
		assert.EqualError(t, err, tc.want)
	}
	for _, tc := range []struct {
		log, want string
	}{
		{tsv("1\t2"), "line 1: a row before any #fields/#types header"},
		{tsv(`#separator \x09`, "#fields\ta", "1"), "line 3: header has no #types line"},
		{tsv(`#separator \x09`, "#types\tcount", "1"), "line 3: header has no #fields line"},
		{tsv(`#separator \x09`, "#fields\ta\tb", "#types\tcount", "1"), "line 4: header has 2 #fields but 1 #types"},
		{tsv(`#separator \x09`, "#fields\ta", "#types\tnumber", "1"), `line 4: header: field "a": "number" is not a Zeek type`},
		{tsv(`#separator \x09`, "#fields\ta", "#types\tnumber"), `header: field "a": "number" is not a Zeek type`},
	} {
		_, err := NewTSVReader(strings.NewReader(tc.log)).Next(nil)
		assert.EqualError(t, err, tc.want)
	}
}

func TestParseHeaderFromSchemaFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "conn.log"))
	require.NoError(t, err)
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(l, "#") {
			break
		}
		lines = append(lines, l)
	}
	h, err := ParseHeader(lines)
	require.NoError(t, err)
	assert.Equal(t, "conn", h.Path)
	require.Len(t, h.Schema, 22)
	assert.Equal(t, Field{"id.orig_h", "addr"}, h.Schema[2])
	assert.Equal(t, Field{"tunnel_parents", "set[string]"}, h.Schema[20])

	_, err = ParseHeader([]string{"#fields\ta", "1"})
	assert.EqualError(t, err, "line 2: not a header line (want #fields, #types, ...)")
}

func TestAppendJSONStringMatchesEncodingJSONForUTF8(t *testing.T) {
	for _, s := range []string{"plain", "tab\there", `q"b\`, "é ☃ 𝄞", "nl\nr\r"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(s))
		assert.Equal(t, strings.TrimSuffix(want.String(), "\n"), string(appendJSONString(nil, []byte(s))), s)
	}
}
