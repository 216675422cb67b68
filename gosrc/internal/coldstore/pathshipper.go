package coldstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
)

// idleBlock is the longest one read waits for new records. Between reads
// the shipper takes over dead consumers' entries and looks for a schema,
// so this bounds how late those happen on a quiet stream.
const idleBlock = time.Second

// pathShipper ships one log path. One goroutine reads batches and makes
// their documents while another ships the batch before (bulk, then
// acknowledge), so that Redis and the engine work at once: at most one
// batch is in flight and one more is held ready. Each side owns a Redis
// connection of its own.
type pathShipper struct {
	cfg       *Config
	path      string
	reader    groupReader
	deadKey   string
	schemaKey string
	targets   targets
	es        *esClient
	sender    *bulkSender
	dialer    *redisDialer
	stats     *counters
	report    func(error)
	schemaFor func(path string) zeekschema.Schema // known without Redis

	conn       redis.Conn // the reading side's; nil until dialled, and after a failure
	settleConn redis.Conn // the shipping side's (acknowledge, dead-letter, touch)

	shipping chan struct{} // closed when the batch in flight is done; nil before the first

	lagMu sync.Mutex // both sides update the lag

	templateDone    bool      // the template is installed
	schemaKnown     bool      // ... and built from a schema
	nextSchemaCheck time.Time // when to look for a schema again if not
	historyCursor   string    // own pending entries to read from; "" once done
	claimCursor     string
	nextClaim       time.Time
	nextLag         time.Time // under lagMu
}

func newPathShipper(s *Shipper, path string) *pathShipper {
	prefix := s.cfg.Redis.KeyPrefix
	p := &pathShipper{
		cfg:           &s.cfg,
		path:          path,
		reader:        groupReader{key: rediskey.Records(prefix, path), group: s.cfg.Group, consumer: s.cfg.Consumer},
		deadKey:       rediskey.DeadLetter(prefix, path),
		schemaKey:     rediskey.Schema(prefix, path),
		targets:       s.targets,
		es:            s.es,
		dialer:        s.dialer,
		stats:         s.counters(path),
		schemaFor:     s.schemaFor,
		historyCursor: "0",
		claimCursor:   "0-0",
	}
	p.report = func(err error) {
		p.stats.setError(err)
		s.report.report(err)
	}
	p.sender = &bulkSender{es: s.es, op: s.targets.opType(), onRequest: func(int) { p.stats.bulkRequests.Add(1) },
		onReply: p.stats.bulkLatency.observe}
	return p
}

// run ships until ctx ends, then finishes the batch in hand while work
// lasts. It returns only a fatal error; others are reported and waited
// out with backoff.
func (p *pathShipper) run(ctx, work context.Context) error {
	defer p.dropConn()
	defer p.dropSettleConn()
	defer p.waitShipped() // before the connections close: runs first
	bo := backoff.New(p.cfg.BackoffMin, p.cfg.BackoffMax)
	for ctx.Err() == nil {
		err := p.step(ctx, work)
		if err == nil {
			bo.Reset()
			continue
		}
		if isFatal(err) {
			return fmt.Errorf("path %s: %w", p.path, err)
		}
		p.dropConn()
		if ctx.Err() == nil {
			p.report(fmt.Errorf("coldstore: path %s: %w", p.path, err))
		}
		backoff.Sleep(ctx, bo.Wait())
	}
	return nil
}

// step installs the template if needed, takes one batch and ships it.
func (p *pathShipper) step(ctx, work context.Context) error {
	c, err := p.connection()
	if err != nil {
		return err
	}
	if err := p.ensureTemplate(ctx, c); err != nil {
		return err
	}
	batch, err := p.nextBatch(ctx, c)
	if len(batch) > 0 {
		ready := p.prepare(batch)
		p.waitShipping(c, batch)
		done := make(chan struct{})
		p.shipping = done
		go func() {
			defer close(done)
			p.ship(work, ready)
		}()
	}
	if err != nil && ctx.Err() == nil {
		return err
	}
	if err != nil { // the read was cut short by the stop: its connection is spent
		p.dropConn()
	}
	p.updateLag(p.conn)
	return nil
}

// waitShipping waits for the batch in flight to be done. Meanwhile it
// tells the group, every ClaimIdle/3, that next (read and made ready) is
// still this consumer's, so that a long retry of the batch in flight does
// not make another shipper take next over.
func (p *pathShipper) waitShipping(c redis.Conn, next []entry) {
	if p.shipping == nil {
		return
	}
	ids := make([]string, len(next))
	for i, e := range next {
		ids[i] = e.ID
	}
	touch := time.NewTicker(max(p.cfg.ClaimIdle/3, time.Millisecond))
	defer touch.Stop()
	for {
		select {
		case <-p.shipping:
			return
		case <-touch.C:
			if err := p.reader.touch(c, ids); err != nil {
				p.report(fmt.Errorf("coldstore: path %s: %w", p.path, err))
			}
		}
	}
}

// waitShipped waits for the batch in flight, if any, without touching.
func (p *pathShipper) waitShipped() {
	if p.shipping != nil {
		<-p.shipping
	}
}

// fetchLegacySchema reads the schema a writer before 0.2 stored, under
// the untagged name: in a cluster another slot than the stream's, so on a
// connection of its own that routes it.
func (p *pathShipper) fetchLegacySchema() (zeekschema.Schema, bool, error) {
	c, err := p.dialer.dial()
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	return fetchSchema(c, rediskey.LegacySchema(p.cfg.Redis.KeyPrefix, p.path))
}

// connection returns the path's Redis connection, dialling it (and making
// sure the group exists) when there is none.
func (p *pathShipper) connection() (redis.Conn, error) {
	if p.conn != nil {
		return p.conn, nil
	}
	c, err := p.dialer.dialFor(p.reader.key)
	if err != nil {
		return nil, err
	}
	if err := p.reader.ensureGroup(c); err != nil {
		c.Close()
		return nil, err
	}
	p.conn = c
	return c, nil
}

func (p *pathShipper) dropConn() {
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}

// settleConnection is the shipping side's connection, dialled when there
// is none. The group exists: the reading side made sure of it.
func (p *pathShipper) settleConnection() (redis.Conn, error) {
	if p.settleConn != nil {
		return p.settleConn, nil
	}
	c, err := p.dialer.dialFor(p.reader.key)
	if err != nil {
		return nil, err
	}
	p.settleConn = c
	return c, nil
}

func (p *pathShipper) dropSettleConn() {
	if p.settleConn != nil {
		p.settleConn.Close()
		p.settleConn = nil
	}
}

// ensureTemplate installs the path's index template before anything is
// shipped, so that the first index of the path is created with it. When
// no schema is known yet, it installs the minimal template and looks for
// the writer's schema again every DiscoverInterval; a schema found later
// applies to indices created after that (the next day's, or the data
// stream's next backing index).
func (p *pathShipper) ensureTemplate(ctx context.Context, c redis.Conn) error {
	if p.templateDone && (p.schemaKnown || time.Now().Before(p.nextSchemaCheck)) {
		return nil
	}
	schema := p.schemaFor(p.path)
	known := len(schema) > 0
	if !known {
		var err error
		schema, known, err = fetchSchema(c, p.schemaKey)
		if err == nil && !known {
			schema, known, err = p.fetchLegacySchema()
		}
		var bad *badSchemaError
		switch {
		case errors.As(err, &bad):
			// A stored schema that cannot be used is reported, and the
			// records still go out under the minimal template.
			p.report(fmt.Errorf("coldstore: path %s: %w", p.path, err))
		case err != nil:
			return err
		}
	}
	p.nextSchemaCheck = time.Now().Add(p.cfg.DiscoverInterval)
	if p.templateDone && !known {
		return nil
	}
	t, err := buildTemplate(p.targets, p.path, schema)
	if err != nil {
		return &fatalError{err}
	}
	if err := putTemplate(ctx, p.es, t); err != nil {
		return err
	}
	p.templateDone, p.schemaKnown = true, known
	return nil
}

// nextBatch returns the next entries to ship, in this order: this
// consumer's own pending entries (left by its previous run), entries
// idle too long in other consumers' hands, then new entries.
func (p *pathShipper) nextBatch(ctx context.Context, c redis.Conn) ([]entry, error) {
	n := p.cfg.BatchMaxDocs
	if p.historyCursor != "" {
		es, err := p.reader.readOwnPending(c, p.historyCursor, n)
		if err != nil {
			return nil, err
		}
		if len(es) > 0 {
			p.historyCursor = es[len(es)-1].ID
			return es, nil
		}
		p.historyCursor = ""
	}
	if !time.Now().Before(p.nextClaim) {
		next, es, deleted, err := p.reader.autoclaim(c, p.cfg.ClaimIdle, p.claimCursor, n)
		if err != nil {
			return nil, err
		}
		p.claimCursor = next
		if next == "0-0" { // scanned the whole pending list
			p.nextClaim = time.Now().Add(p.cfg.ClaimIdle / 2)
		}
		if len(deleted) > 0 {
			p.stats.vanished.Add(uint64(len(deleted)))
			p.report(fmt.Errorf("coldstore: path %s: %d pending entries were deleted from %s before they were shipped "+
				"(trimmed by a writer without protect-group=%s?)", p.path, len(deleted), p.reader.key, p.reader.group))
		}
		if len(es) > 0 {
			p.stats.claimed.Add(uint64(len(es)))
			return es, nil
		}
	}
	return p.gather(ctx, c)
}

// gather reads new entries: it waits up to idleBlock for the first, then
// up to FlushInterval more for a full batch (BatchMaxDocs or
// BatchMaxBytes).
func (p *pathShipper) gather(ctx context.Context, c redis.Conn) ([]entry, error) {
	n := p.cfg.BatchMaxDocs
	batch, err := p.reader.readNew(ctx, c, n, idleBlock)
	if err != nil || len(batch) == 0 {
		return nil, err
	}
	size := entriesSize(batch)
	deadline := time.Now().Add(p.cfg.FlushInterval)
	for len(batch) < n && size < p.cfg.BatchMaxBytes {
		left := time.Until(deadline)
		if left < time.Millisecond || ctx.Err() != nil {
			break
		}
		// Not ctx: a stop while gathering ends at the deadline, and the
		// connection stays usable to acknowledge the batch.
		more, err := p.reader.readNew(context.Background(), c, n-len(batch), left)
		if err != nil {
			return batch, err
		}
		if len(more) == 0 {
			break
		}
		batch = append(batch, more...)
		size += entriesSize(more)
	}
	return batch, nil
}

func entriesSize(es []entry) int {
	n := 0
	for _, e := range es {
		n += len(e.Record)
	}
	return n
}

// updateLag measures the group's lag at most once a second, on c, the
// connection of the side that asks.
func (p *pathShipper) updateLag(c redis.Conn) {
	p.lagMu.Lock()
	defer p.lagMu.Unlock()
	if c == nil || time.Now().Before(p.nextLag) {
		return
	}
	p.nextLag = time.Now().Add(time.Second)
	lag, pending, err := p.reader.groupLag(c)
	if err != nil {
		p.report(fmt.Errorf("coldstore: path %s: %w", p.path, err))
		return
	}
	p.stats.lag.Store(lag)
	p.stats.pending.Store(pending)
}
