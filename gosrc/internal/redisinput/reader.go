package redisinput

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/reports"
	"github.com/cloudtap/cloudtap/gosrc/internal/streamreply"
)

// Op is what an Update does.
type Op uint8

const (
	OpPut    Op = iota + 1 // STREAM: a row added (or changed)
	OpDelete               // STREAM: a row removed
	OpRow                  // a row of a full read (MANUAL, REREAD)
	OpEnd                  // a full read is complete: rows not in it are gone
)

// Update is one row for Zeek, its columns in Zeek's ASCII form.
type Update struct {
	Op  Op
	Row []string
}

const (
	pageSize = 1000
	// block is how long a follow waits for new entries in one XREAD.
	block = time.Second
	// badInterval is the least time between two warnings of bad entries;
	// the count of those in between comes with the next, or at the end of
	// a full read.
	badInterval = 10 * time.Second
)

// Reader reads one input. Its goroutine talks to Redis; Next hands the
// rows over without waiting, on the caller's thread (Zeek's reader
// thread).
type Reader struct {
	cfg    Config
	cols   []column
	byName map[string]int
	dialer *hotstore.Dialer
	msgs   *reports.Queue

	mu        sync.Mutex
	pending   []Update
	readTaken bool // the last full read was handed over whole
	conn      redis.Conn

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	// The goroutine's own.
	loaded    bool   // MANUAL: read once
	haveRead  bool   // REREAD: a read was made
	digest    uint64 // REREAD: of the last read's content
	synced    bool   // STREAM over a hash: read, its changes followed from lastID
	lastID    string // STREAM: the last entry read
	down      bool   // Redis was away: say when it is back
	bad       int    // bad entries not yet reported
	badWarned time.Time
}

// Open checks the fields and starts reading.
func Open(cfg Config, fields []Field) (*Reader, error) {
	cols, err := newColumns(fields)
	if err != nil {
		return nil, err
	}
	d, err := hotstore.NewDialer(cfg.Redis, "cloudtap-reader")
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	r := &Reader{cfg: cfg, cols: cols, byName: map[string]int{}, dialer: d, msgs: reports.New(), readTaken: true,
		done: make(chan struct{})}
	for i, c := range cols {
		r.byName[c.name] = i
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	go r.run()
	return r, nil
}

// Next takes the oldest update waiting; false when none is.
func (r *Reader) Next() (Update, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		return Update{}, false
	}
	u := r.pending[0]
	r.pending[0] = Update{}
	r.pending = r.pending[1:]
	if u.Op == OpEnd {
		r.readTaken = true
	}
	return u, true
}

// NextMessage takes the oldest report waiting (Redis away, bad entries).
func (r *Reader) NextMessage() (string, bool) { return r.msgs.Next() }

// Close stops reading; what was not taken is dropped.
func (r *Reader) Close() {
	r.cancel()
	r.mu.Lock()
	if r.conn != nil {
		r.conn.Close() // ends a blocked XREAD at once
	}
	r.mu.Unlock()
	<-r.done
}

func (r *Reader) report(format string, args ...any) {
	r.msgs.Add(fmt.Sprintf("cloudtap: reader %s: "+format, append([]any{r.cfg.Key}, args...)...))
}

func (r *Reader) run() {
	defer close(r.done)
	wait := backoff.New(100*time.Millisecond, 5*time.Second)
	for {
		c, err := r.dialer.DialContext(r.ctx)
		if err == nil {
			r.mu.Lock()
			r.conn = c
			r.mu.Unlock()
			err = r.session(c, wait)
			r.mu.Lock()
			r.conn = nil
			r.mu.Unlock()
			c.Close()
		}
		if r.ctx.Err() != nil {
			return
		}
		if !r.down {
			r.report("%v (keeping what was read; retrying)", err)
			r.down = true
		}
		if !backoff.Sleep(r.ctx, wait.Wait()) {
			return
		}
	}
}

// session reads until Redis fails or the reader closes (nil).
func (r *Reader) session(c redis.Conn, wait *backoff.Backoff) error {
	for {
		kind, err := redis.String(c.Do("TYPE", r.cfg.Key))
		if err != nil {
			return err
		}
		if r.down {
			r.report("Redis answers again; catching up")
			r.down = false
		}
		wait.Reset()
		switch r.cfg.Mode {
		case Manual:
			if !r.loaded {
				rows, _, err := r.readAll(c, kind)
				if err != nil {
					return err
				}
				r.emitRead(rows)
				r.loaded = true
			}
			<-r.ctx.Done()
			return nil
		case Reread:
			rows, sum, err := r.readAll(c, kind)
			if err != nil {
				return err
			}
			if !r.haveRead || sum != r.digest {
				if r.emitRead(rows) {
					r.digest, r.haveRead = sum, true
				}
			}
			if !backoff.Sleep(r.ctx, r.cfg.Poll) {
				return nil
			}
		case Stream:
			switch kind {
			case "stream":
				if r.lastID == "" {
					r.lastID = "0"
				}
				return r.follow(c, r.cfg.Key, r.streamEntry)
			case "hash":
				if err := r.syncHash(c); err != nil {
					return err
				}
				return r.follow(c, r.cfg.Changes, r.changeEntry)
			case "none":
				// Not there yet: the first write makes it.
				if !backoff.Sleep(r.ctx, block) {
					return nil
				}
			default:
				return fmt.Errorf("the key is a %s: STREAM mode follows a stream, or a hash with its changes stream", kind)
			}
		}
	}
}

// emitRead queues a full read, unless the last one was not yet taken
// (REREAD then tries again at its next poll).
func (r *Reader) emitRead(rows [][]string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.readTaken {
		return false
	}
	for _, row := range rows {
		r.pending = append(r.pending, Update{OpRow, row})
	}
	r.pending = append(r.pending, Update{Op: OpEnd})
	r.readTaken = false
	r.flushBad()
	return true
}

func (r *Reader) emit(op Op, row []string) {
	r.mu.Lock()
	r.pending = append(r.pending, Update{op, row})
	r.mu.Unlock()
}

// badEntry reports a row that cannot be read, at most once per
// badInterval with a count of the others.
func (r *Reader) badEntry(entry string, err error) {
	r.bad++
	if now := time.Now(); now.Sub(r.badWarned) >= badInterval {
		more := ""
		if r.bad > 1 {
			more = fmt.Sprintf("; %d more bad entries skipped since the last warning", r.bad-1)
		}
		r.report("%s: %v (entry skipped)%s", entry, err, more)
		r.bad, r.badWarned = 0, now
	}
}

func (r *Reader) flushBad() {
	if r.bad > 0 {
		r.report("%d more bad entries skipped since the last warning", r.bad)
		r.bad = 0
	}
}

// readAll reads the whole key as rows, and a digest of its content that
// does not depend on the order Redis returns it in.
func (r *Reader) readAll(c redis.Conn, kind string) ([][]string, uint64, error) {
	var rows [][]string
	sum, err := r.scanAll(c, kind, func(row []string) { rows = append(rows, row) })
	return rows, sum, err
}

// scanAll hands each row of the key to each as Redis gives them, a page
// at a time, so that a large key is not held whole (a stream's rows come
// at the end: its removals need all of it).
func (r *Reader) scanAll(c redis.Conn, kind string, each func([]string)) (uint64, error) {
	var (
		rows [][]string
		sum  uint64
	)
	add := func(entry, raw string, row []string, err error) {
		h := sha256.Sum256([]byte(entry + "\x00" + raw))
		sum += binary.LittleEndian.Uint64(h[:8])
		if err != nil {
			r.badEntry(entry, err)
			return
		}
		if kind == "stream" {
			rows = append(rows, row)
			return
		}
		each(row)
	}
	switch kind {
	case "none":
	case "hash", "set":
		cmd := map[string]string{"hash": "HSCAN", "set": "SSCAN"}[kind]
		cursor := "0"
		for {
			reply, err := redis.Values(c.Do(cmd, r.cfg.Key, cursor, "COUNT", pageSize))
			if err != nil {
				return 0, err
			}
			if len(reply) != 2 {
				return 0, fmt.Errorf("%s answered %d items, want 2", cmd, len(reply))
			}
			cursor, _ = redis.String(reply[0], nil)
			items, err := redis.Strings(reply[1], nil)
			if err != nil {
				return 0, err
			}
			if kind == "hash" {
				for i := 0; i+1 < len(items); i += 2 {
					row, err := r.rowOf(items[i+1])
					add("field "+items[i], items[i+1], row, err)
				}
			} else {
				for _, m := range items {
					row, err := r.rowOf(m)
					add("member "+m, m, row, err)
				}
			}
			if cursor == "0" {
				break
			}
		}
	case "list":
		for start := 0; ; start += pageSize {
			items, err := redis.Strings(c.Do("LRANGE", r.cfg.Key, start, start+pageSize-1))
			if err != nil {
				return 0, err
			}
			for i, it := range items {
				row, err := r.rowOf(it)
				add(fmt.Sprintf("element %d", start+i), it, row, err)
			}
			if len(items) < pageSize {
				break
			}
		}
	case "stream":
		// Rows in order; an _op=remove entry takes back the row it names.
		var order []string
		byKey := map[string][]string{}
		start := "-"
		for {
			entries, err := xrange(c, r.cfg.Key, start, pageSize)
			if err != nil {
				return 0, err
			}
			for _, e := range entries {
				op, row, err := r.entryRow(e.Map())
				add("entry "+e.ID, string(bytes.Join(e.Fields, []byte{0})), row, err)
				if err != nil {
					continue
				}
				k := strings.Join(row, "\x00")
				if op == OpDelete {
					delete(byKey, k)
					continue
				}
				if _, ok := byKey[k]; !ok {
					order = append(order, k)
				}
				byKey[k] = row
			}
			if len(entries) < pageSize {
				break
			}
			start = "(" + entries[len(entries)-1].ID
		}
		for _, k := range order {
			if row, ok := byKey[k]; ok {
				each(row)
				delete(byKey, k)
			}
		}
	default:
		return 0, fmt.Errorf("the key is a %s, not a hash, set, list or stream", kind)
	}
	return sum, nil
}

// entryRow reads a stream entry's fields as a row; _op=remove deletes.
func (r *Reader) entryRow(fields map[string]string) (Op, []string, error) {
	op := OpPut
	vals := make(map[string]any, len(fields))
	for k, v := range fields {
		if k == "_op" {
			switch v {
			case "remove", "delete":
				op = OpDelete
			case "add", "put":
			default:
				return 0, nil, &badField{field: "_op", reason: fmt.Sprintf("%q is neither add nor remove", v)}
			}
			continue
		}
		if v != unsetField {
			vals[k] = v
		}
	}
	row, err := r.convert(vals)
	return op, row, err
}

// syncHash reads the hash whole, as puts, when this reader has not, or
// when its changes stream lost entries this reader had not read.
func (r *Reader) syncHash(c redis.Conn) error {
	if r.synced {
		lost, err := lostSince(c, r.cfg.Changes, r.lastID)
		if err != nil || !lost {
			return err
		}
		r.report("its changes stream %s was trimmed past what was read: reading the hash again (rows removed meanwhile stay until Zeek restarts)", r.cfg.Changes)
	}
	// The changes made from here on are followed, so none falls between
	// the read and the follow; replaying one already read is harmless.
	last, err := lastID(c, r.cfg.Changes)
	if err != nil {
		return err
	}
	if _, err := r.scanAll(c, "hash", func(row []string) { r.emit(OpPut, row) }); err != nil {
		return err
	}
	r.flushBad()
	r.lastID, r.synced = last, true
	return nil
}

func (r *Reader) changeEntry(e streamreply.Entry) {
	fields := e.Map()
	row, err := r.rowOf(fields["value"])
	if err != nil {
		r.badEntry("change "+e.ID, err)
		return
	}
	switch fields["op"] {
	case "add":
		r.emit(OpPut, row)
	case "remove":
		r.emit(OpDelete, row)
	default:
		r.badEntry("change "+e.ID, &badField{field: "op", reason: fmt.Sprintf("%q is neither add nor remove", fields["op"])})
	}
}

func (r *Reader) streamEntry(e streamreply.Entry) {
	op, row, err := r.entryRow(e.Map())
	if err != nil {
		r.badEntry("entry "+e.ID, err)
		return
	}
	r.emit(op, row)
}

// follow reads key's entries after r.lastID as they come.
func (r *Reader) follow(c redis.Conn, key string, handle func(streamreply.Entry)) error {
	for r.ctx.Err() == nil {
		reply, err := c.Do("XREAD", "COUNT", pageSize, "BLOCK", block.Milliseconds(), "STREAMS", key, r.lastID)
		if r.ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		entries, err := streamreply.OneStream(reply)
		if err != nil {
			return fmt.Errorf("XREAD %s: %w", key, err)
		}
		for _, e := range entries {
			handle(e)
			r.lastID = e.ID
		}
	}
	return nil
}

func xrange(c redis.Conn, key, start string, count int) ([]streamreply.Entry, error) {
	reply, err := c.Do("XRANGE", key, start, "+", "COUNT", count)
	if err != nil {
		return nil, err
	}
	return streamreply.Entries(reply)
}

// lastID is the ID of a stream's last entry, 0-0 when it has none.
func lastID(c redis.Conn, key string) (string, error) {
	reply, err := redis.Values(c.Do("XREVRANGE", key, "+", "-", "COUNT", 1))
	if err != nil {
		return "", err
	}
	entries, err := streamreply.Entries(reply)
	if err != nil || len(entries) == 0 {
		return "0-0", err
	}
	return entries[0].ID, nil
}

// lostSince says whether entries after id were trimmed from the stream
// (Redis 7: XINFO STREAM's max-deleted-entry-id).
func lostSince(c redis.Conn, key, id string) (bool, error) {
	info, err := redis.Values(c.Do("XINFO", "STREAM", key))
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return id != "0-0", nil
		}
		return false, err
	}
	for i := 0; i+1 < len(info); i += 2 {
		if k, _ := redis.String(info[i], nil); k == "max-deleted-entry-id" {
			deleted, _ := redis.String(info[i+1], nil)
			return idLess(id, deleted), nil
		}
	}
	return false, nil
}

// idLess compares stream IDs ms-seq.
func idLess(a, b string) bool {
	am, as := splitID(a)
	bm, bs := splitID(b)
	return am < bm || am == bm && as < bs
}

func splitID(id string) (uint64, uint64) {
	ms, seq, _ := strings.Cut(id, "-")
	var m, s uint64
	fmt.Sscan(ms, &m)
	fmt.Sscan(seq, &s)
	return m, s
}
