package zeekschema

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestZeekJSONPassesItsOwnSchema checks every JSON line Zeek wrote against
// the schema of the TSV log Zeek wrote from the same traffic.
func TestZeekJSONPassesItsOwnSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json.log"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, jsonPath := range files {
		tsvPath := strings.TrimSuffix(jsonPath, ".json.log") + ".log"
		f, err := os.Open(tsvPath)
		require.NoError(t, err)
		r := NewTSVReader(f)
		_, err = r.Next(nil)
		f.Close()
		require.NoError(t, err)
		c := NewRecordChecker(r.Header().Schema)

		jf, err := os.Open(jsonPath)
		require.NoError(t, err)
		sc := bufio.NewScanner(jf)
		lines := 0
		for sc.Scan() {
			require.NoError(t, c.Check(sc.Bytes()), "%s: %s", jsonPath, sc.Text())
			lines++
		}
		jf.Close()
		assert.NotZero(t, lines, jsonPath)
	}
}

func TestRecordCheckerNamesTheField(t *testing.T) {
	c := NewRecordChecker(Schema{
		{"ts", "time"}, {"id.orig_h", "addr"}, {"id.orig_p", "port"}, {"ok", "bool"}, {"tags", "set[string]"}, {"ttls", "vector[interval]"},
	})
	for _, rec := range []string{
		`{"ts":1.5,"id.orig_h":"10.0.0.1","id.orig_p":80,"ok":true,"tags":["a"],"ttls":[1.0,null]}`,
		`{"ts":"2026-01-01T00:00:00.000000Z"}`,
		`{}`,
	} {
		assert.NoError(t, c.Check([]byte(rec)), rec)
	}
	for _, tc := range []struct{ rec, want string }{
		{`{"colour":"red"}`, `field "colour" is not in the schema`},
		{`{"id.orig_p":"80"}`, `field "id.orig_p" (port): want a number, got a string`},
		{`{"ok":"T"}`, `field "ok" (bool): want true or false, got a string`},
		{`{"id.orig_h":1}`, `field "id.orig_h" (addr): want a string, got a number`},
		{`{"tags":"a"}`, `field "tags" (set[string]): want an array, got a string`},
		{`{"ttls":[1,"x"]}`, `field "ttls" (vector[interval]): element 2: want a number, got a string`},
		{`[1]`, `not a JSON object: json: cannot unmarshal array into Go value of type map[string]json.RawMessage`},
	} {
		assert.EqualError(t, c.Check([]byte(tc.rec)), tc.want, tc.rec)
	}
}
