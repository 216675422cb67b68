package coldstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"

	"github.com/cloudtap/cloudtap/gosrc/internal/backoff"
)

// Shipper moves records from the hot tier's Redis streams to
// Elasticsearch. Create it with New, start it with Run. Stats and
// PathStats may be called at any time, from any goroutine.
type Shipper struct {
	cfg     Config
	es      *esClient
	dialer  *redisDialer
	targets targets
	report  *reporter

	mu    sync.Mutex
	stats map[string]*counters // by path
	ran   bool
	// stopped: Run has returned. Between ran and start being set, Ship
	// still queues in asked, which Run reads once start is set.
	stopped bool
	// start begins shipping a path while Run runs (nil before and after);
	// asked holds the paths Ship was given before Run started.
	start func(path string)
	asked []string
	// given holds the schemas Ship was given, which come before any in
	// Redis: the writer that opens a log knows its schema before Redis
	// does.
	given map[string]zeekschema.Schema
	// endDrain cuts the drain after Run's stop short (EndDrain); nil
	// outside Run.
	endDrain context.CancelFunc
}

// New checks cfg and returns a Shipper. Nothing is contacted yet: an
// unreachable Redis or Elasticsearch is waited out by Run, a malformed
// configuration is an *OptionError here.
func New(cfg Config) (*Shipper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	es, err := newESClient(&cfg)
	if err != nil {
		return nil, err
	}
	dialer, err := newRedisDialer(cfg.Redis)
	if err != nil {
		return nil, err
	}
	cfg.Paths = append([]string(nil), cfg.Paths...) // the caller's slice stays theirs
	report := newReporter(cfg.OnError)
	es.onSlow = report.report
	return &Shipper{
		cfg:     cfg,
		es:      es,
		dialer:  dialer,
		targets: newTargets(&cfg),
		report:  report,
		stats:   map[string]*counters{},
		given:   map[string]zeekschema.Schema{},
	}, nil
}

// EndDrain ends the drain of a stopping Run at once, as if the drain
// timeout had passed: batches in flight are abandoned, their entries stay
// pending in Redis for the next shipper. For a caller whose own deadline
// is shorter than the drain timeout (a writer's close). Safe at any time.
func (s *Shipper) EndDrain() {
	s.mu.Lock()
	end := s.endDrain
	s.mu.Unlock()
	if end != nil {
		end()
	}
}

// Run ships until ctx ends, then finishes the batches in flight (for at
// most Config.DrainTimeout; what is left stays pending in Redis) and
// returns nil. It returns early only for a fatal error: Redis or
// Elasticsearch refusing the credentials, or refusing an index template.
// Outages are reported through Config.OnError and waited out. Run may be
// called once.
func (s *Shipper) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.ran {
		s.mu.Unlock()
		return errors.New("coldstore: Run called twice on one Shipper")
	}
	s.ran = true
	s.mu.Unlock()

	defer s.es.closeIdle()
	runCtx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	// work outlives runCtx by the drain timeout, so that batches in flight
	// at the stop are finished.
	work, endWork := context.WithCancel(context.Background())
	defer endWork()
	s.mu.Lock()
	s.endDrain = endWork
	s.mu.Unlock()
	go func() {
		<-runCtx.Done()
		t := time.NewTimer(s.cfg.DrainTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			endWork()
		case <-work.Done():
		}
	}()

	var (
		wg        sync.WaitGroup
		errMu     sync.Mutex
		firstErr  error
		startedMu sync.Mutex
		started   = map[string]bool{}
	)
	start := func(path string) {
		startedMu.Lock()
		defer startedMu.Unlock()
		if started[path] || runCtx.Err() != nil {
			return
		}
		started[path] = true
		p := newPathShipper(s, path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.run(runCtx, work); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("coldstore: %w", err)
				}
				errMu.Unlock()
				stopAll()
			}
		}()
	}
	s.mu.Lock()
	s.start = start
	asked := s.asked
	s.asked = nil
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.start, s.stopped = nil, true
		s.mu.Unlock()
	}()
	for _, p := range asked {
		start(p)
	}
	if len(s.cfg.Paths) > 0 {
		for _, p := range s.cfg.Paths {
			start(p)
		}
	} else if err := s.discoverLoop(runCtx, start); err != nil {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		stopAll()
	}
	<-runCtx.Done()
	wg.Wait()
	return firstErr
}

// discoverLoop starts a path shipper for every record stream under the
// key prefix, now and every DiscoverInterval, until ctx ends.
func (s *Shipper) discoverLoop(ctx context.Context, start func(string)) error {
	bo := backoff.New(s.cfg.BackoffMin, s.cfg.BackoffMax)
	for ctx.Err() == nil {
		paths, err := s.discover()
		wait := s.cfg.DiscoverInterval
		switch {
		case isFatal(err):
			return fmt.Errorf("coldstore: %w", err)
		case err != nil:
			s.report.report(fmt.Errorf("coldstore: looking for streams: %w", err))
			wait = bo.Wait()
		default:
			bo.Reset()
			for _, p := range paths {
				start(p)
			}
		}
		backoff.Sleep(ctx, wait)
	}
	return nil
}

// schemaFor is path's schema from the configuration or from Ship, or nil
// when neither has one (then the shipper looks in Redis).
func (s *Shipper) schemaFor(path string) zeekschema.Schema {
	if schema := s.cfg.Schemas[path]; len(schema) > 0 {
		return schema
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.given[path]
}

// Stats sums the counters of every path.
func (s *Shipper) Stats() Stats {
	var total Stats
	for _, st := range s.PathStats() {
		total.add(st)
	}
	return total
}

// PathStats returns the counters of each path shipped so far.
func (s *Shipper) PathStats() map[string]Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Stats, len(s.stats))
	for p, c := range s.stats {
		out[p] = c.snapshot()
	}
	return out
}

// Paths lists the paths being shipped, sorted.
func (s *Shipper) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.stats))
}

// counters returns (creating) the counters of path.
func (s *Shipper) counters(path string) *counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.stats[path]
	if !ok {
		c = &counters{}
		s.stats[path] = c
	}
	return c
}
