package logwriter

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// embeddedShipper is the cold tier run inside the writer's process: a
// coldstore.Shipper started with the writer, told of each log as it opens,
// and given up to ShipCloseTimeout at close to ship what the writer
// delivered. Everything it has not shipped stays in Redis, in the group,
// for the next shipper: a stop never loses records.
type embeddedShipper struct {
	shipper *coldstore.Shipper
	stop    context.CancelFunc
	done    chan struct{} // closed when Run has returned
	runErr  error         // Run's result, read after done
	report  func(error)   // the writer's: its caller's queue, or stderr

	mu    sync.Mutex
	paths map[string]bool // logs opened through this writer
}

// startShipper starts the embedded shipper of cfg. Nothing is contacted
// yet: Redis or Elasticsearch being away is waited out by the shipper.
func startShipper(cfg coldstore.Config, report func(error)) (*embeddedShipper, error) {
	sh, err := coldstore.New(cfg)
	if err != nil {
		return nil, shipOptionError(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &embeddedShipper{shipper: sh, stop: cancel, done: make(chan struct{}), report: report, paths: map[string]bool{}}
	go func() {
		defer close(e.done)
		if err := sh.Run(ctx); err != nil {
			// Fatal: credentials or a template refused. The hot tier goes
			// on; the records wait in Redis for a shipper that can.
			e.runErr = err
			e.report(fmt.Errorf("cloudtap: the embedded Elasticsearch shipper stopped; logs stay in Redis: %w", err))
		}
	}()
	return e, nil
}

// open ships path from now on, not only from the next discovery, with
// the index template built from schema (nil when unknown).
func (e *embeddedShipper) open(path string, schema zeekschema.Schema) {
	e.mu.Lock()
	e.paths[path] = true
	e.mu.Unlock()
	if err := e.shipper.Ship(path, schema); err != nil {
		e.report(fmt.Errorf("cloudtap: log %s not shipped to Elasticsearch; it stays in Redis: %w", path, err))
	}
}

// close waits up to ctx for the logs opened through this writer to be
// shipped, then stops the shipper, which finishes its batches in flight
// within what is left of ctx (not its own drain timeout: the caller's
// deadline bounds the close), and reports what it could not do. What is
// not shipped stays pending in Redis.
func (e *embeddedShipper) close(ctx context.Context) error {
	var waitErr error
	select {
	case <-e.done: // already stopped by a fatal error
	default:
		waitErr = e.shipper.WaitShipped(ctx, e.openedPaths())
	}
	e.stop()
	select {
	case <-e.done:
	case <-ctx.Done():
		e.shipper.EndDrain()
		<-e.done
	}
	if e.runErr != nil {
		return fmt.Errorf("embedded shipper: %w", e.runErr)
	}
	return waitErr
}

func (e *embeddedShipper) openedPaths() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Sorted(maps.Keys(e.paths))
}

// Stats are the embedded shipper's counters, zero without one.
func (e *embeddedShipper) stats() coldstore.Stats {
	if e == nil {
		return coldstore.Stats{}
	}
	return e.shipper.Stats()
}
