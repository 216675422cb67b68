package option

import (
	"net/url"
	"strings"
)

// Pair is one key=value of a configuration, as written.
type Pair struct{ Key, Value string }

// Pairs keeps a configuration's pairs in the order written and refuses a
// key given twice: silently taking one of them hides a mistake.
type Pairs struct {
	// Component names the configuration in errors.
	Component string
	List      []Pair
}

// Add appends key=value, or returns an *Error if key is there already.
func (p *Pairs) Add(key, value string) error {
	for _, q := range p.List {
		if q.Key == key {
			return &Error{Component: p.Component, Option: key, Value: RedactValue(value), Reason: "given more than once"}
		}
	}
	p.List = append(p.List, Pair{key, value})
	return nil
}

// Take removes key and returns its value.
func (p *Pairs) Take(key string) (string, bool) {
	for i, q := range p.List {
		if q.Key == key {
			p.List = append(p.List[:i], p.List[i+1:]...)
			return q.Value, true
		}
	}
	return "", false
}

// AddQuery adds every key=value of a URL query (a=1&b=2), in order.
func (p *Pairs) AddQuery(rawQuery string) error {
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return &Error{Component: p.Component, Option: "query", Value: RedactValue(part), Reason: "bad URL escape: " + err.Error()}
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return &Error{Component: p.Component, Option: key, Value: RedactValue(v), Reason: "bad URL escape: " + err.Error()}
		}
		if err := p.Add(key, value); err != nil {
			return err
		}
	}
	return nil
}

// Apply sets every pair on c through t, in order, and returns the first
// error.
func Apply[C any](t *Table[C], c *C, pairs []Pair) error {
	for _, p := range pairs {
		if err := t.Set(c, p.Key, p.Value); err != nil {
			return err
		}
	}
	return nil
}
