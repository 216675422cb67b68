package zeekschema

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format is how a Zeek log is written.
type Format string

const (
	FormatJSON Format = "json" // one JSON object per line (LogAscii::use_json)
	FormatTSV  Format = "tsv"  // Zeek's ASCII default: #fields/#types header, tab-separated rows
)

// Record is one log record as Zeek JSON, with where it came from.
type Record struct {
	JSON []byte
	Line int
	// Path and Schema come from the TSV header the row was read under;
	// empty for JSON logs, which carry neither.
	Path   string
	Schema Schema
}

// LogReader reads a Zeek log of either format, told apart by its first
// line: '#' starts a TSV header, '{' a JSON record. Gzip-compressed input
// (Zeek's rotated logs, *.log.gz) is decompressed.
type LogReader struct {
	format Format
	tsv    *TSVReader
	json   *bufio.Scanner
	line   int
}

var gzipMagic = []byte{0x1f, 0x8b}

// NewLogReader detects the format of r. An empty input is a JSON log with
// no records.
func NewLogReader(r io.Reader) (*LogReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); bytes.Equal(magic, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	switch first {
	case '#':
		return &LogReader{format: FormatTSV, tsv: NewTSVReader(br)}, nil
	case '{', 0: // 0: empty input
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
		return &LogReader{format: FormatJSON, json: sc}, nil
	}
	return nil, errors.New("neither Zeek JSON (one object per line) nor a Zeek TSV log (#fields/#types header)")
}

// firstByte peeks at the first byte that is not white space; 0 at the end.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) == n && !isSpace(b[n-1]) {
			return b[n-1], nil
		}
		if errors.Is(err, io.EOF) {
			return 0, nil
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return 0, err
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return 0, errors.New("no log record in the first 64 KiB, only white space")
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// Format is the detected format.
func (r *LogReader) Format() Format { return r.format }

// Next returns the next record, io.EOF at the end. Errors name the line.
// A JSON line must be one JSON object; its fields are not checked here
// (see RecordChecker).
func (r *LogReader) Next() (Record, error) {
	if r.tsv != nil {
		b, err := r.tsv.Next(nil)
		if err != nil {
			return Record{}, err
		}
		h := r.tsv.Header()
		return Record{JSON: b, Line: r.tsv.Line(), Path: h.Path, Schema: h.Schema}, nil
	}
	for r.json.Scan() {
		r.line++
		line := bytes.TrimSpace(r.json.Bytes())
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' || !json.Valid(line) {
			return Record{}, fmt.Errorf("line %d: not a JSON object: %s", r.line, abbreviate(line))
		}
		return Record{JSON: bytes.Clone(line), Line: r.line}, nil
	}
	if err := r.json.Err(); err != nil {
		return Record{}, fmt.Errorf("line %d: %w", r.line+1, err)
	}
	return Record{}, io.EOF
}

// abbreviate keeps an error line short.
func abbreviate(b []byte) string {
	s := string(b)
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
