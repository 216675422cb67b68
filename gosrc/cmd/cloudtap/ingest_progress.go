package main

// How a re-run of cloudtap ingest stores only what is new.
//
// An input (a file, or stdin) is known by its content, not its name: its
// identity is a hash of its first record for the log path. Zeek's current
// conn.log, the same log rotated and gzipped, and a copy elsewhere are one
// input; the next hour's log, which starts with another record, is
// another. Per input and Redis key, ingest keeps a progress record, a Redis
// hash at "{<key>}:cloudtap:ingest:<identity>":
//
//	records         how many of the input's records are stored in <key>
//	sha256          hash of those records, in order
//	pending         a group of records after them that was sent but not
//	                confirmed (0: none), and
//	pending-sha256  the hash up to the end of that group
//	epoch           how many times --again restarted the input
//	input, updated  the file name and time of the last run (for people)
//
// A run reads the input from the start. It checks the first <records>
// records against sha256 without storing them (an input that differs
// there is refused: it is not the same input grown), then stores the rest
// in groups of at most batch-max-records records and batch-max-bytes
// bytes. For each group it first records the group as pending, then
// delivers it, then records it as stored. Each group is delivered by a
// hot-tier writer of its own, one batch, with a writer ID derived from the
// identity, the epoch, the group's first record number and its hash. If
// the run dies between delivery and the record, Redis holds the writer's
// dedup marker for 24 h (hotstore's, set atomically with the records), and
// the next run resends exactly the pending group (same records, same
// writer ID), which the marker turns into a no-op if it was applied.
//
// Why not one writer for the run, with deterministic batches: the marker
// holds a batch number that starts at 1 in every writer, and Close deletes
// it. A re-run after a clean exit would find no marker; a re-run after a
// crash would number its batches from where it resumes, not from where the
// crashed run started. The progress record carries what the marker cannot
// (how far, and what, across any number of runs); the marker covers the
// one group whose fate the progress record cannot know.
//
// What this guarantees:
//   - A re-run on the same input, or on the same input with records
//     appended, stores only the records not stored yet, as long as the
//     progress record lives: --remember (30 days) from the last run that
//     read the input.
//   - A run that stops (killed, Redis gone for longer than --wait) leaves at
//     most one group in doubt per input and path (and says so, unless
//     killed). A re-run within 24 h settles it exactly; after 24 h, that
//     group (at most batch-max-records records) may be stored twice.
//   - An input that starts like one stored before but differs in the part
//     stored is refused; --again stores all of it again.
//
// Two ingests of the same input at the same time are not supported: each
// could store the same group. In pub/sub mode nothing is stored, so
// nothing is remembered: every run publishes every record.

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
)

// control is ingest's own Redis connection, for progress records and
// schemas. A command that fails for want of a connection is retried on a
// new one, with backoff, for at most --wait.
type control struct {
	dialer   *hotstore.Dialer
	c        redis.Conn
	cfg      hotstore.Config
	wait     time.Duration
	remember time.Duration // progress records' time to live; 0: forever
}

// dialControl connects and checks that Redis answers; failing that, it
// fails at once with the reason (Redis not there at all is not worth
// waiting for at start).
func dialControl(cfg hotstore.Config, wait, remember time.Duration) (*control, error) {
	d, err := hotstore.NewDialer(cfg, "cloudtap-ingest")
	if err != nil {
		return nil, err
	}
	c, err := d.Dial()
	if err == nil {
		if _, err = c.Do("PING"); err != nil {
			c.Close()
		}
	}
	if err != nil {
		return nil, err
	}
	return &control{dialer: d, c: c, cfg: cfg, wait: wait, remember: remember}, nil
}

func (k *control) close() {
	if k.c != nil {
		k.c.Close()
	}
}

func (k *control) do(cmd string, args ...any) (any, error) {
	deadline := time.Now().Add(k.wait)
	bo := backoff.New(k.cfg.BackoffMin, k.cfg.BackoffMax)
	for {
		var err error
		if k.c == nil {
			k.c, err = k.dialer.Dial()
		}
		if err == nil {
			var reply any
			if reply, err = k.c.Do(cmd, args...); err == nil {
				return reply, nil
			}
			k.c.Close()
			k.c = nil
		}
		// The server refused (a login, a command): no retry helps.
		wait := bo.Wait()
		if answered := new(redis.Error); errors.As(err, answered) || time.Now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("%s %v: %w", cmd, args[0], err)
		}
		time.Sleep(wait)
	}
}

// storeSchema stores a log's schema where the cold tier looks for it, as
// the writer does when a log opens (rediskey.Schema).
func (k *control) storeSchema(key string, schema zeekschema.Schema) error {
	body, err := json.Marshal(schema)
	if err != nil {
		return err
	}
	_, err = k.do("SET", key, body)
	return err
}

// progress is an input's progress record; the zero value is a new input.
type progress struct {
	records, pending   int64
	sha256, pendingSHA string
	epoch              int64
}

// emptySHA is the hash of no records.
var emptySHA = hex.EncodeToString(sha256.New().Sum(nil))

func (k *control) readProgress(key string) (progress, bool, error) {
	fields, err := redis.StringMap(k.do("HGETALL", key))
	if err != nil {
		return progress{}, false, err
	}
	if len(fields) == 0 {
		return progress{sha256: emptySHA}, false, nil
	}
	p := progress{sha256: fields["sha256"], pendingSHA: fields["pending-sha256"]}
	for name, dst := range map[string]*int64{"records": &p.records, "pending": &p.pending, "epoch": &p.epoch} {
		if *dst, err = strconv.ParseInt(fields[name], 10, 64); err != nil || *dst < 0 {
			return progress{}, false, fmt.Errorf("progress record %s: field %s is %q, not a count: delete the key to start this input afresh", key, name, fields[name])
		}
	}
	if len(p.sha256) != len(emptySHA) || (p.pending > 0 && len(p.pendingSHA) != len(emptySHA)) {
		return progress{}, false, fmt.Errorf("progress record %s: no usable sha256: delete the key to start this input afresh", key)
	}
	return p, true, nil
}

// input is one file's (or stdin's) records for one log path.
type input struct {
	in    *ingester
	log   *pathLog
	label string
	path  string
	key   string // progress record; "" when nothing is remembered (pub/sub)
	first []byte // the first record: the input's identity

	prev progress // what earlier runs left
	hash hash.Hash
	read int64 // records read

	stored    int64  // records of the input stored, by earlier runs or this one
	storedSHA string // their hash
	group     [][]byte
	groupSize int64
}

// progressKey names the progress record of the input whose first record
// is first, for the records key.
func progressKey(key string, first []byte) string {
	id := sha256.Sum256(first)
	return rediskey.IngestProgress(key, hex.EncodeToString(id[:16]))
}

// groupWriterID is the hot-tier writer ID of a group: the input (whose
// first record is first), the epoch, the group's first record number
// (from 0) and the hash of the input up to the group's end (endSHA). A
// marker so named can only ever stand for these very records at this
// place, whatever the group bounds of a later run.
func groupWriterID(first []byte, epoch, start int64, endSHA string) string {
	id := sha256.Sum256(first)
	return fmt.Sprintf("ingest.%s.%d.%d.%.16s", hex.EncodeToString(id[:8]), epoch, start, endSHA)
}

func (in *ingester) newInput(label, path string, l *pathLog, first []byte) (*input, error) {
	inp := &input{in: in, log: l, label: label, path: path, first: first, hash: sha256.New(), prev: progress{sha256: emptySHA}, storedSHA: emptySHA}
	if in.opts.redis.Mode == hotstore.ModePubSub {
		return inp, nil
	}
	inp.key = progressKey(l.key, first)
	p, found, err := in.ctl.readProgress(inp.key)
	if err != nil {
		return nil, err
	}
	if in.opts.again && found {
		p = progress{sha256: emptySHA, epoch: p.epoch + 1}
	}
	inp.prev = p
	return inp, nil
}

func (inp *input) sum() string { return hex.EncodeToString(inp.hash.Sum(nil)) }

// add takes the input's next record.
func (inp *input) add(rec []byte) error {
	if inp.groupFull(len(rec)) {
		if err := inp.send(); err != nil {
			return err
		}
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(rec)))
	inp.hash.Write(n[:])
	inp.hash.Write(rec)
	inp.read++
	if inp.read <= inp.prev.records { // stored by an earlier run
		if inp.read == inp.prev.records {
			return inp.checkStored()
		}
		return nil
	}
	inp.group = append(inp.group, rec)
	inp.groupSize += int64(len(rec))
	if inp.resending() && inp.read == inp.prev.records+inp.prev.pending {
		if inp.sum() != inp.prev.pendingSHA {
			return usagef("records %d to %d differ from those an earlier run was storing when it stopped; give --again to store all of it again",
				inp.prev.records+1, inp.read)
		}
		return inp.send()
	}
	return nil
}

// resending: the group being gathered is the one an earlier run left in
// doubt. It is resent exactly as it was, whatever the group bounds now.
func (inp *input) resending() bool { return inp.prev.pending > 0 }

func (inp *input) groupFull(next int) bool {
	if len(inp.group) == 0 || inp.resending() {
		return false
	}
	cfg := inp.in.opts.redis
	return len(inp.group) >= cfg.BatchMaxRecords || inp.groupSize+int64(next) > int64(cfg.BatchMaxBytes)
}

// checkStored compares the records an earlier run stored with the input's.
func (inp *input) checkStored() error {
	if inp.sum() != inp.prev.sha256 {
		return usagef("%d %s records were stored before from an input that starts like this one (%s), and this one differs in them; give --again to store all of it again",
			inp.prev.records, inp.path, inp.key)
	}
	inp.stored, inp.storedSHA = inp.prev.records, inp.prev.sha256
	inp.log.before += inp.prev.records
	return nil
}

// finish stores what is left once the input ends; complete says it was
// read to the end, rather than stopped by a bad line.
func (inp *input) finish(complete bool) error {
	if inp.in.stopped {
		return nil
	}
	if complete && inp.read < inp.prev.records {
		return usagef("has %d %s records, fewer than the %d stored before from an input that starts like this one (%s); give --again to store all of it again",
			inp.read, inp.path, inp.prev.records, inp.key)
	}
	if inp.resending() {
		if complete && inp.read > inp.prev.records {
			return usagef("ends inside records %d to %d, which an earlier run was storing when it stopped; give --again to store all of it again",
				inp.prev.records+1, inp.prev.records+inp.prev.pending)
		}
		return nil // the group in doubt waits for an input that holds it all
	}
	if len(inp.group) > 0 {
		return inp.send()
	}
	if inp.key != "" && inp.read > 0 { // nothing new: remember it from now
		if _, err := inp.in.ctl.do("HSET", inp.key, "input", inp.label, "updated", now()); err != nil {
			return err
		}
		return inp.in.ctl.refresh(inp.key)
	}
	return nil
}

// send delivers the group gathered, records first its being pending, then
// its being stored.
func (inp *input) send() error {
	n := int64(len(inp.group))
	first, end, endSHA := inp.stored, inp.stored+n, inp.sum()
	cfg := inp.in.opts.redis
	if inp.key != "" {
		cfg.WriterID = groupWriterID(inp.first, inp.prev.epoch, first, endSHA)
		if err := inp.record(first, inp.storedSHA, n, endSHA); err != nil {
			return inp.stop(err)
		}
	}
	w, already, err := deliverGroup(cfg, inp.path, inp.group, inp.groupSize, inp.in.opts.wait)
	if err != nil {
		inp.log.inDoubt += n
		return inp.stop(fmt.Errorf("%s records %d to %d: %w", inp.path, first+1, end, err))
	}
	if already {
		inp.log.before += n
	} else {
		inp.log.stored += n
	}
	if inp.key != "" {
		if err := inp.record(end, endSHA, 0, ""); err != nil {
			// Stored, but not recorded: the writer is left open, so that
			// its marker stays for the next run to find.
			return inp.stop(fmt.Errorf("%s records %d to %d are stored, but recording that failed (the next run within 24 h settles it): %w", inp.path, first+1, end, err))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), inp.in.opts.wait)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		return inp.stop(err)
	}
	inp.prev.pending = 0
	inp.stored, inp.storedSHA = end, endSHA
	clear(inp.group)
	inp.group, inp.groupSize = inp.group[:0], 0
	return nil
}

// stopError is a failure that ends the run, Redis's rather than the
// input's: nothing more is sent, and no line of the input is blamed.
type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }
func (e stopError) Unwrap() error { return e.err }

func (inp *input) stop(err error) error {
	inp.in.stopped = true
	return stopError{fmt.Errorf("%s: %w", inp.label, err)}
}

// record writes the progress record: records stored, and a group pending.
func (inp *input) record(records int64, sha string, pending int64, pendingSHA string) error {
	_, err := inp.in.ctl.do("HSET", inp.key,
		"records", records, "sha256", sha,
		"pending", pending, "pending-sha256", pendingSHA,
		"epoch", inp.prev.epoch, "input", inp.label, "updated", now())
	if err != nil {
		return err
	}
	return inp.in.ctl.refresh(inp.key)
}

// refresh (re)starts the progress record's time to live, or makes it
// live until deleted (--remember 0).
func (k *control) refresh(key string) error {
	var err error
	if k.remember <= 0 {
		_, err = k.do("PERSIST", key)
	} else {
		_, err = k.do("PEXPIRE", key, k.remember.Milliseconds())
	}
	return err
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

// deliverGroup stores records as one batch of a new hot-tier writer
// (cfg.WriterID names its dedup marker), and waits up to wait for Redis.
// already says the marker showed the batch applied before. On success the
// writer is returned open, its marker still in Redis: the caller closes
// it once the progress record says the group is stored. On failure the
// writer is abandoned, not closed, so that the marker of a batch Redis
// may have applied outlives this run, for the next one to find.
func deliverGroup(cfg hotstore.Config, path string, recs [][]byte, size int64, wait time.Duration) (*hotstore.Writer, bool, error) {
	// One batch, whatever the configured bounds: a resend must be the
	// same batch number with the same records.
	cfg.BatchMaxRecords = len(recs)
	cfg.BatchMaxBytes = int(max(size, 1))
	cfg.BufferMaxRecords = max(cfg.BufferMaxRecords, len(recs))
	cfg.BufferMaxBytes = max(cfg.BufferMaxBytes, size)
	cfg.BlockTimeout = wait
	cfg.OnError = func(error) {} // Flush's error names the last one
	w, err := hotstore.New(cfg)
	if err != nil {
		return nil, false, err
	}
	s, err := w.Open(path)
	if err != nil {
		return nil, false, err
	}
	if err := s.Write(recs); err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		return nil, false, fmt.Errorf("Redis did not take them within --wait %s: %w", wait, err)
	}
	return w, s.Stats().Redelivered > 0, nil
}
