package coldstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// recordFields is what one pass over a record finds: the raw values of
// its top-level "ts" and "@timestamp" (nil when absent; the last one when
// a key repeats, as encoding/json takes it), and whether white space
// outside its strings holds a line break, which the bulk format's one
// line per document forbids.
type recordFields struct {
	Ts, Timestamp []byte
	LineBreak     bool
	// ECS, when not nil, takes the fields ECS documents are made from.
	ECS *ecsFields
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// scanRecord checks that rec is exactly one valid JSON object, as
// encoding/json.Valid would, and reads its recordFields, in one pass that
// allocates nothing. It replaces a json.Unmarshal into a two-field struct,
// which validated the record and then decoded it a second time, and was
// most of the shipper's CPU per document. Keys are matched exactly (Zeek
// writes them so), not case-insensitively as encoding/json does.
func scanRecord(rec []byte, ecs *ecsFields) (recordFields, error) {
	s := scanner{b: rec}
	f := recordFields{ECS: ecs}
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return f, errors.New("record is not a JSON object")
	}
	if err := s.object(&f); err != nil {
		return f, err
	}
	s.space()
	if s.i != len(s.b) {
		return f, s.fail("after the object")
	}
	f.LineBreak = s.lineBreak
	return f, nil
}

type scanner struct {
	b         []byte
	i         int
	depth     int
	lineBreak bool
}

func (s *scanner) fail(what string) error {
	if s.i >= len(s.b) {
		return fmt.Errorf("record is not valid JSON: unexpected end %s", what)
	}
	return fmt.Errorf("record is not valid JSON: unexpected %q at offset %d %s", s.b[s.i], s.i, what)
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t':
		case '\n', '\r':
			s.lineBreak = true
		default:
			return
		}
		s.i++
	}
}

// object reads an object at s.i; f, when not nil, takes its top-level
// fields.
func (s *scanner) object(f *recordFields) error {
	if s.depth++; s.depth > maxDepth {
		return errors.New("record is not valid JSON: nested too deep")
	}
	s.i++ // '{'
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("where a key should start")
		}
		k0 := s.i
		if err := s.string(); err != nil {
			return err
		}
		key := s.b[k0+1 : s.i-1]
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("after a key")
		}
		s.i++
		s.space()
		v0 := s.i
		if err := s.value(); err != nil {
			return err
		}
		if f != nil {
			if bytes.IndexByte(key, '\\') >= 0 { // an escaped key: rare, so decoded the slow way
				var k string
				if json.Unmarshal(s.b[k0:k0+len(key)+2], &k) == nil {
					key = []byte(k)
				}
			}
			v := s.b[v0:s.i]
			switch string(key) { // no allocation: the compiler compares in place
			case "ts":
				f.Ts = v
			case "@timestamp":
				f.Timestamp = v
			default:
				if f.ECS != nil {
					f.ECS.set(key, v)
				}
			}
		}
		s.space()
		if s.i >= len(s.b) {
			return s.fail("in an object")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
		case '}':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail("in an object")
		}
	}
}

func (s *scanner) array() error {
	if s.depth++; s.depth > maxDepth {
		return errors.New("record is not valid JSON: nested too deep")
	}
	s.i++ // '['
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if err := s.value(); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.fail("in an array")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail("in an array")
		}
	}
}

func (s *scanner) value() error {
	if s.i >= len(s.b) {
		return s.fail("where a value should start")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(nil)
	case c == '[':
		return s.array()
	case c == '"':
		return s.string()
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.fail("where a value should start")
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.fail("in a literal")
	}
	s.i += len(word)
	return nil
}

// string reads a string at s.i, past its closing quote.
func (s *scanner) string() error {
	s.i++ // '"'
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return s.fail("in an escape")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 || !isHex(s.b[s.i+1]) || !isHex(s.b[s.i+2]) || !isHex(s.b[s.i+3]) || !isHex(s.b[s.i+4]) {
					return s.fail("in a \\u escape")
				}
				s.i += 5
			default:
				return s.fail("in an escape")
			}
		case c < 0x20:
			return s.fail("in a string (a control character)")
		default:
			s.i++
		}
	}
	return s.fail("in a string")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return s.fail("in a number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return s.fail("in a number's fraction")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return s.fail("in a number's exponent")
		}
	}
	return nil
}

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
