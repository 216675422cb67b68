package zeekschema

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxLineBytes bounds one log line. Zeek lines are usually under a few
// kilobytes; huge ones (long HTTP URIs, many set elements) stay well below.
const maxLineBytes = 64 << 20

// TSVReader reads a Zeek ASCII (TSV) log and renders each row as Zeek
// JSON. Several logs concatenated (cat conn.*.log) are read one after the
// other: each new header replaces the previous one.
type TSVReader struct {
	sc      *bufio.Scanner
	line    int
	h       *Header       // the header rows are read under; nil before the first
	pending *headerParser // a header being read, nil between headers
}

// NewTSVReader reads a TSV log from r.
func NewTSVReader(r io.Reader) *TSVReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	return &TSVReader{sc: sc}
}

// Line is the number of the line last read, from 1.
func (r *TSVReader) Line() int { return r.line }

// Header is the header of the row last returned.
func (r *TSVReader) Header() Header {
	if r.h == nil {
		return Header{}
	}
	return *r.h
}

// Next appends the next row as a JSON object to dst. It returns io.EOF at
// the end of the input. Errors name the line.
func (r *TSVReader) Next(dst []byte) ([]byte, error) {
	for r.sc.Scan() {
		r.line++
		line := strings.TrimSuffix(r.sc.Text(), "\r")
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if err := r.headerLine(line); err != nil {
				return dst, fmt.Errorf("line %d: %w", r.line, err)
			}
			continue
		}
		if err := r.endHeader(); err != nil {
			return dst, fmt.Errorf("line %d: %w", r.line, err)
		}
		out, err := r.h.AppendJSON(dst, line)
		if err != nil {
			return dst, fmt.Errorf("line %d: %w", r.line, err)
		}
		return out, nil
	}
	if err := r.sc.Err(); err != nil {
		return dst, fmt.Errorf("line %d: %w", r.line+1, err)
	}
	if r.pending != nil && r.h == nil {
		// A header with no rows still has to be a valid header.
		if _, err := r.pending.header(); err != nil {
			return dst, err
		}
	}
	return dst, io.EOF
}

// headerLine feeds a '#' line to the header being read. "#separator"
// always starts a new header; so does any '#' line before the first one.
// Between headers, lines such as #close are ignored.
func (r *TSVReader) headerLine(line string) error {
	if strings.HasPrefix(line, "#separator ") || (r.pending == nil && r.h == nil) {
		r.pending = newHeaderParser()
	}
	if r.pending == nil {
		return nil
	}
	return r.pending.line(line)
}

// endHeader is called at a data row: a header just read becomes current.
func (r *TSVReader) endHeader() error {
	if r.pending == nil {
		if r.h == nil {
			return errors.New("a row before any #fields/#types header")
		}
		return nil
	}
	h, err := r.pending.header()
	if err != nil {
		return err
	}
	r.h, r.pending = &h, nil
	return nil
}
