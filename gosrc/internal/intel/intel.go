// Package intel keeps threat indicators in Redis for Zeek's Intel
// framework: the current set in a hash (rediskey.DefaultIntel), so that a
// Zeek that starts reads them all, and every change in the stream beside
// it (rediskey.Changes), which running Zeeks follow
// (scripts/CloudTap/intel-from-redis.zeek over Input::READER_REDIS).
// `cloudtap intel` is its command line.
//
// An indicator is a row of Zeek's Intel::Item: indicator, indicator_type
// and meta.* fields, as Zeek's intel file format names them. It is kept
// as a JSON object of those names, under the hash field
// "TYPE<tab>INDICATOR<tab>SOURCE": one entry per indicator and source, as
// Zeek's Intel framework keeps one meta record per source.
package intel

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// Item is one indicator from one source.
type Item struct {
	Indicator string
	Type      string // Intel::ADDR, Intel::DOMAIN, ...
	// Meta holds the meta.* fields by their name without "meta.": source
	// (required), desc, url, and any a site's scripts add.
	Meta map[string]string
}

// Check refuses an item Zeek would not take.
func (it Item) Check() error {
	switch {
	case it.Indicator == "" || it.Indicator == "-":
		return errors.New("no indicator")
	case !strings.HasPrefix(it.Type, "Intel::") || len(it.Type) == len("Intel::"):
		return fmt.Errorf("indicator %s: type %q is not an Intel::Type (Intel::ADDR, Intel::DOMAIN, ...)", it.Indicator, it.Type)
	case it.Meta["source"] == "" || it.Meta["source"] == "-":
		return fmt.Errorf("indicator %s: no meta.source (Zeek's Intel framework needs one)", it.Indicator)
	}
	for _, s := range []string{it.Indicator, it.Type, it.Meta["source"]} {
		if strings.ContainsAny(s, "\t\n") {
			return fmt.Errorf("indicator %s: a tab or newline in %q", it.Indicator, s)
		}
	}
	return nil
}

// Field is the item's hash field.
func (it Item) Field() string { return it.Type + "\t" + it.Indicator + "\t" + it.Meta["source"] }

// JSON is the item as the reader takes it.
func (it Item) JSON() string {
	obj := map[string]string{"indicator": it.Indicator, "indicator_type": it.Type}
	for k, v := range it.Meta {
		if v != "-" {
			obj["meta."+k] = v
		}
	}
	b, _ := json.Marshal(obj) // strings only: cannot fail
	return string(b)
}

// ParseJSON reads an item back.
func ParseJSON(s string) (Item, error) {
	var obj map[string]string
	if err := json.Unmarshal([]byte(s), &obj); err != nil {
		return Item{}, err
	}
	it := Item{Indicator: obj["indicator"], Type: obj["indicator_type"], Meta: map[string]string{}}
	for k, v := range obj {
		if m, ok := strings.CutPrefix(k, "meta."); ok {
			it.Meta[m] = v
		}
	}
	return it, nil
}

// ReadFile reads Zeek's intel file format: a "#fields" line naming the
// tab-separated columns (indicator, indicator_type, meta.source, ...),
// then one indicator a line; other lines starting with # are comments.
// A bad line is an error naming it; nothing is returned then.
func ReadFile(r io.Reader) ([]Item, error) {
	var (
		items  []Item
		fields []string
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if rest, ok := strings.CutPrefix(line, "#fields\t"); ok {
			fields = strings.Split(rest, "\t")
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if fields == nil {
			return nil, fmt.Errorf("line %d: an indicator before the #fields line", n)
		}
		cols := strings.Split(line, "\t")
		if len(cols) != len(fields) {
			return nil, fmt.Errorf("line %d: %d columns, the #fields line names %d", n, len(cols), len(fields))
		}
		it := Item{Meta: map[string]string{}}
		for i, f := range fields {
			switch {
			case f == "indicator":
				it.Indicator = cols[i]
			case f == "indicator_type":
				it.Type = cols[i]
			case strings.HasPrefix(f, "meta."):
				if cols[i] != "-" { // unset
					it.Meta[f[len("meta."):]] = cols[i]
				}
			default:
				return nil, fmt.Errorf("line %d: column %q is not a field of Intel::Item", n, f)
			}
		}
		if err := it.Check(); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		items = append(items, it)
	}
	return items, sc.Err()
}

// WriteFile writes items in Zeek's intel file format, columns sorted.
func WriteFile(w io.Writer, items []Item) error {
	meta := map[string]bool{}
	for _, it := range items {
		for k := range it.Meta {
			meta[k] = true
		}
	}
	names := make([]string, 0, len(meta))
	for k := range meta {
		names = append(names, k)
	}
	sort.Strings(names)
	header := []string{"indicator", "indicator_type"}
	for _, k := range names {
		header = append(header, "meta."+k)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "#fields\t%s\n", strings.Join(header, "\t"))
	for _, it := range items {
		cols := []string{it.Indicator, it.Type}
		for _, k := range names {
			v, ok := it.Meta[k]
			if !ok || v == "" {
				v = "-"
			}
			cols = append(cols, v)
		}
		fmt.Fprintln(bw, strings.Join(cols, "\t"))
	}
	return bw.Flush()
}

// ChangesMaxLen caps the changes stream: a Zeek that falls further
// behind reads the hash again.
const ChangesMaxLen = 100000

// Store is the indicators under one hash key.
type Store struct {
	Key string // default rediskey.DefaultIntel
}

// Both keys are given to each script, which makes them one slot's on a
// Redis Cluster (rediskey.Changes tags the stream with the hash's name).
var (
	// ARGV: the stream's cap, then field and value of each item.
	addScript = redis.NewScript(2, `
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i+1])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'op', 'add', 'value', ARGV[i+1])
end
return (#ARGV - 1) / 2`)
	removeScript = redis.NewScript(2, `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'op', 'remove', 'value', old)
return 1`)
)

func (s Store) key() string {
	if s.Key == "" {
		return rediskey.DefaultIntel
	}
	return s.Key
}

// Add stores items (replacing the same indicator from the same source)
// and announces each.
func (s Store) Add(c redis.Conn, items []Item) error {
	for _, it := range items {
		if err := it.Check(); err != nil {
			return err
		}
	}
	// A script call per 500 items, pipelined: the first with Do, which
	// loads the script where it is missing, the rest after it, on the same
	// node (one slot).
	const perCall, inFlight = 500, 8
	args := func(part []Item) []any {
		a := []any{s.key(), rediskey.Changes(s.key()), ChangesMaxLen}
		for _, it := range part {
			a = append(a, it.Field(), it.JSON())
		}
		return a
	}
	var calls [][]Item
	for start := 0; start < len(items); start += perCall {
		calls = append(calls, items[start:min(start+perCall, len(items))])
	}
	if len(calls) == 0 {
		return nil
	}
	if _, err := addScript.Do(c, args(calls[0])...); err != nil {
		return err
	}
	for start := 1; start < len(calls); start += inFlight {
		batch := calls[start:min(start+inFlight, len(calls))]
		for _, part := range batch {
			if err := addScript.SendHash(c, args(part)...); err != nil {
				return err
			}
		}
		if err := c.Flush(); err != nil {
			return err
		}
		for range batch {
			if _, err := c.Receive(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Remove takes an indicator away: from every source, or from one (source
// not empty); of any type, or of one. It says how many entries went. It
// scans only the hash fields of that indicator (HSCAN MATCH).
func (s Store) Remove(c redis.Conn, indicator, typ, source string) (int, error) {
	t, src := "*", "*"
	if typ != "" {
		t = globEscape(typ)
	}
	if source != "" {
		src = globEscape(source)
	}
	items, err := s.scan(c, t+"\t"+globEscape(indicator)+"\t"+src)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if it.Indicator != indicator || typ != "" && it.Type != typ || source != "" && it.Meta["source"] != source {
			continue
		}
		gone, err := redis.Int(removeScript.Do(c, s.key(), rediskey.Changes(s.key()), it.Field(), ChangesMaxLen))
		if err != nil {
			return n, err
		}
		n += gone
	}
	return n, nil
}

// globEscape quotes the characters Redis's MATCH patterns give meaning.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// List reads every indicator, sorted by type, indicator and source.
func (s Store) List(c redis.Conn) ([]Item, error) { return s.scan(c, "*") }

// scan reads the indicators whose hash fields match pattern, sorted.
func (s Store) scan(c redis.Conn, pattern string) ([]Item, error) {
	var items []Item
	cursor := "0"
	for {
		reply, err := redis.Values(c.Do("HSCAN", s.key(), cursor, "MATCH", pattern, "COUNT", 1000))
		if err != nil {
			return nil, err
		}
		cursor, _ = redis.String(reply[0], nil)
		kv, err := redis.Strings(reply[1], nil)
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(kv); i += 2 {
			it, err := ParseJSON(kv[i+1])
			if err != nil {
				return nil, fmt.Errorf("%s field %q: %w", s.key(), kv[i], err)
			}
			items = append(items, it)
		}
		if cursor == "0" {
			break
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Field() < items[j].Field() })
	return items, nil
}
