package coldstore

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
)

// preparedBatch is a batch made ready to ship: its documents, the records
// refused before sending, and the entries whose data had vanished.
type preparedBatch struct {
	docs    []document
	refused []refused
	gone    []string
}

// prepare makes a batch's documents. It runs on the reading side, so that
// the shipping side only sends.
func (p *pathShipper) prepare(batch []entry) preparedBatch {
	b := preparedBatch{docs: make([]document, 0, len(batch))}
	for _, e := range batch {
		if e.Gone {
			b.gone = append(b.gone, e.ID)
			continue
		}
		d, err := newDocument(p.targets, p.path, e)
		if err != nil {
			b.refused = append(b.refused, refused{entry: e, Reason: err.Error()})
			continue
		}
		b.docs = append(b.docs, d)
	}
	return b
}

// ship sends one prepared batch to Elasticsearch until every entry is
// settled: acknowledged after Elasticsearch took it, or moved to the
// dead-letter stream. Retryable failures are sent again with backoff for
// as long as work lasts; what is still unsettled when work ends stays
// pending in Redis, to be shipped later by this consumer or another. It
// runs on the shipping side and uses only that side's connection.
func (p *pathShipper) ship(work context.Context, b preparedBatch) {
	if len(b.gone) > 0 {
		p.stats.vanished.Add(uint64(len(b.gone)))
		p.report(fmt.Errorf("coldstore: path %s: %d pending entries had no data left in %s (trimmed or deleted "+
			"by something that ignores group %s)", p.path, len(b.gone), p.reader.key, p.reader.group))
	}
	p.settle(work, nil, b.refused, b.gone)
	docs := b.docs

	bo := backoff.New(p.cfg.BackoffMin, p.cfg.BackoffMax)
	lastTouch := time.Now()
	for len(docs) > 0 {
		results := p.sender.send(work, docs)
		if work.Err() != nil {
			return // cut short by the drain timeout: the rest stays pending
		}
		var ok []string
		var refusedES []refused
		var again []document
		alreadyThere := 0
		firstRetry := ""
		for i, r := range results {
			switch r.Outcome {
			case shipped:
				ok = append(ok, docs[i].ID)
				if r.AlreadyThere {
					alreadyThere++
				}
			case dead:
				refusedES = append(refusedES, refused{entry: docs[i].entry, Index: docs[i].Index, Status: r.Status, Reason: r.Reason})
			case retry:
				if firstRetry == "" {
					firstRetry = r.Reason
				}
				again = append(again, docs[i])
			}
		}
		if p.settle(work, ok, refusedES, nil) {
			p.stats.alreadyThere.Add(uint64(alreadyThere))
		}
		if len(again) == 0 {
			return
		}
		p.stats.retried.Add(uint64(len(again)))
		p.report(fmt.Errorf("coldstore: path %s: %d of %d documents will be sent again: %s", p.path, len(again), len(docs), firstRetry))
		if !backoff.Sleep(work, bo.Wait()) {
			return
		}
		p.updateLag(p.settleConn)
		if time.Since(lastTouch) > p.cfg.ClaimIdle/3 {
			p.keepAlive(again)
			lastTouch = time.Now()
		}
		docs = again
	}
}

// settle moves refused records to the dead-letter stream and acknowledges
// the shipped and the vanished ones, retrying on Redis failures while work
// lasts. It reports whether everything was settled.
func (p *pathShipper) settle(work context.Context, shippedIDs []string, refusedRecs []refused, goneIDs []string) bool {
	if len(shippedIDs)+len(refusedRecs)+len(goneIDs) == 0 {
		return true
	}
	bo := backoff.New(p.cfg.BackoffMin, p.cfg.BackoffMax)
	for {
		err := p.trySettle(&shippedIDs, &refusedRecs, &goneIDs)
		if err == nil {
			return true
		}
		p.dropSettleConn()
		p.report(fmt.Errorf("coldstore: path %s: %w", p.path, err))
		if !backoff.Sleep(work, bo.Wait()) {
			return false
		}
	}
}

// trySettle does what settle asks once, clearing each list as it is done,
// so that a retry repeats only what failed.
func (p *pathShipper) trySettle(shippedIDs *[]string, refusedRecs *[]refused, goneIDs *[]string) error {
	c, err := p.settleConnection()
	if err != nil {
		return err
	}
	if len(*refusedRecs) > 0 {
		n, err := deadLetter(c, &p.reader, p.deadKey, p.cfg.DeadLetterMaxLen, *refusedRecs)
		if err != nil {
			return err
		}
		p.stats.deadLettered.Add(uint64(n))
		first := (*refusedRecs)[0]
		p.report(fmt.Errorf("coldstore: path %s: %d records refused for good, moved to %s (first: entry %s: %s)",
			p.path, len(*refusedRecs), p.deadKey, first.ID, first.Reason))
		*refusedRecs = nil
	}
	ids := append(append([]string(nil), *shippedIDs...), *goneIDs...)
	if _, err := p.reader.ack(c, ids); err != nil {
		return err
	}
	p.stats.shipped.Add(uint64(len(*shippedIDs)))
	*shippedIDs, *goneIDs = nil, nil
	return nil
}

// keepAlive tells the group that this consumer is still working on docs,
// so that a long retry is not mistaken for a dead shipper.
func (p *pathShipper) keepAlive(docs []document) {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	err := func() error {
		c, err := p.settleConnection()
		if err != nil {
			return err
		}
		return p.reader.touch(c, ids)
	}()
	if err != nil {
		p.dropSettleConn()
		p.report(fmt.Errorf("coldstore: path %s: %w", p.path, err))
	}
}
