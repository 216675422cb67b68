package zeekschema

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readRecords(t *testing.T, r io.Reader) (Format, []Record) {
	t.Helper()
	lr, err := NewLogReader(r)
	require.NoError(t, err)
	var out []Record
	for {
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return lr.Format(), out
		}
		require.NoError(t, err)
		out = append(out, rec)
	}
}

func TestLogReaderTellsFormatsApart(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "dns.log"))
	require.NoError(t, err)
	format, tsvRecs := readRecords(t, bytes.NewReader(raw))
	assert.Equal(t, FormatTSV, format)
	require.NotEmpty(t, tsvRecs)
	assert.Equal(t, "dns", tsvRecs[0].Path)
	assert.Equal(t, Field{Name: "answers", Type: "vector[string]"}, tsvRecs[0].Schema[21])

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err = zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	_, gzRecs := readRecords(t, &gz)
	assert.Equal(t, tsvRecs, gzRecs, "a gzipped log reads the same")

	jsonRaw, err := os.ReadFile(filepath.Join("testdata", "dns.json.log"))
	require.NoError(t, err)
	format, jsonRecs := readRecords(t, bytes.NewReader(append([]byte("\n  \n"), jsonRaw...)))
	assert.Equal(t, FormatJSON, format)
	assert.Len(t, jsonRecs, len(tsvRecs))
	assert.Equal(t, 3, jsonRecs[0].Line, "blank lines are counted, skipped")
	assert.Empty(t, jsonRecs[0].Path)

	format, none := readRecords(t, strings.NewReader(""))
	assert.Equal(t, FormatJSON, format)
	assert.Empty(t, none)
}

func TestLogReaderRefusesOtherInput(t *testing.T) {
	_, err := NewLogReader(strings.NewReader("ts,uid\n1,C1\n"))
	assert.EqualError(t, err, "neither Zeek JSON (one object per line) nor a Zeek TSV log (#fields/#types header)")

	lr, err := NewLogReader(strings.NewReader("{\"a\":1}\n{\"a\":\n"))
	require.NoError(t, err)
	_, err = lr.Next()
	require.NoError(t, err)
	_, err = lr.Next()
	assert.EqualError(t, err, `line 2: not a JSON object: {"a":`)
}
