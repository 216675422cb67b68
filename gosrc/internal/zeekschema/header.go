package zeekschema

import (
	"fmt"
	"strings"
)

// Header is the metadata block at the top of a Zeek ASCII (TSV) log:
//
//	#separator \x09
//	#set_separator	,
//	#empty_field	(empty)
//	#unset_field	-
//	#path	conn
//	#fields	ts	uid	id.orig_h	...
//	#types	time	string	addr	...
type Header struct {
	Separator    string // between fields; "\t" by default
	SetSeparator string // between elements of a set or vector
	EmptyField   string // an empty string, set or vector
	UnsetField   string // a field with no value
	Path         string // the log path ("conn"); "" when the header has none
	Schema       Schema // from #fields and #types
}

// DefaultHeader has Zeek's defaults, which a log's own header lines
// override.
func DefaultHeader() Header {
	return Header{Separator: "\t", SetSeparator: ",", EmptyField: "(empty)", UnsetField: "-"}
}

// headerParser collects header lines until #fields and #types are both
// known.
type headerParser struct {
	h      Header
	fields []string
	types  []string
}

func newHeaderParser() *headerParser { return &headerParser{h: DefaultHeader()} }

// line takes one '#' line. Unknown keys (#open, #close, comments) are
// ignored, as Zeek's own reader does.
func (p *headerParser) line(line string) error {
	if rest, ok := strings.CutPrefix(line, "#separator "); ok {
		// The one line whose separator is a space: it defines the others.
		sep := string(Unescape(rest))
		if sep == "" {
			return fmt.Errorf("#separator is empty")
		}
		p.h.Separator = sep
		return nil
	}
	key, value, _ := strings.Cut(strings.TrimPrefix(line, "#"), p.h.Separator)
	switch key {
	case "set_separator":
		p.h.SetSeparator = string(Unescape(value))
		if p.h.SetSeparator == "" {
			return fmt.Errorf("#set_separator is empty")
		}
	case "empty_field":
		p.h.EmptyField = string(Unescape(value))
	case "unset_field":
		p.h.UnsetField = string(Unescape(value))
	case "path":
		p.h.Path = value
	case "fields":
		p.fields = strings.Split(value, p.h.Separator)
	case "types":
		p.types = strings.Split(value, p.h.Separator)
	}
	return nil
}

// complete reports whether #fields and #types have both been seen.
func (p *headerParser) complete() bool { return p.fields != nil && p.types != nil }

// header checks the collected lines and returns the header.
func (p *headerParser) header() (Header, error) {
	if p.fields == nil {
		return Header{}, fmt.Errorf("header has no #fields line")
	}
	if p.types == nil {
		return Header{}, fmt.Errorf("header has no #types line")
	}
	if len(p.fields) != len(p.types) {
		return Header{}, fmt.Errorf("header has %d #fields but %d #types", len(p.fields), len(p.types))
	}
	h := p.h
	h.Schema = make(Schema, len(p.fields))
	for i := range p.fields {
		h.Schema[i] = Field{Name: p.fields[i], Type: NormalizeType(p.types[i])}
	}
	if err := h.Schema.Check(); err != nil {
		return Header{}, fmt.Errorf("header: %w", err)
	}
	return h, nil
}

// ParseHeader reads a header from its lines (each starting with '#'; other
// lines are refused). It is how a schema file, the top of any Zeek TSV
// log, is read.
func ParseHeader(lines []string) (Header, error) {
	p := newHeaderParser()
	for i, l := range lines {
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, "#") {
			return Header{}, fmt.Errorf("line %d: not a header line (want #fields, #types, ...)", i+1)
		}
		if err := p.line(l); err != nil {
			return Header{}, fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return p.header()
}

// Unescape decodes Zeek's \xNN escapes. Any other backslash is kept, as
// Zeek's own ASCII reader does.
func Unescape(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]) {
			out = append(out, hexVal(s[i+2])<<4|hexVal(s[i+3]))
			i += 3
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
