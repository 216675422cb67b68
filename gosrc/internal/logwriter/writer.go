package logwriter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
	"github.com/cloudtap/cloudtap/gosrc/internal/rediskey"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// Writer writes Zeek logs to the hot tier. One per process is typical
// (Zeek's writer threads share it); several are fine. All methods are
// safe for concurrent use.
type Writer struct {
	cfg  Config
	hot  *hotstore.Writer
	cold *embeddedShipper // nil unless Ship is ShipEmbedded
	// messages holds reports for NextMessage (Config.QueueMessages); nil
	// sends them to stderr.
	messages *messageQueue

	publishers sync.WaitGroup
	mu         sync.Mutex
	// publications are the schemas of open logs; a log's Close reports and
	// removes its own.
	publications map[*schemaPublication]bool
	closeOnce    sync.Once
	closeErr     error
}

// Open parses config (see ParseConfig) and returns a Writer. An
// unreachable Redis is not an error: records wait in the bounded buffer
// while the writer reconnects. A malformed config is.
func Open(config string) (*Writer, error) {
	cfg, err := ParseConfig(config)
	if err != nil {
		return nil, err
	}
	return New(cfg)
}

// New returns a Writer for cfg.
func New(cfg Config) (*Writer, error) {
	if cfg.CloseTimeout <= 0 {
		return nil, option.Errorf(component, "close-timeout", cfg.CloseTimeout, "must be greater than zero")
	}
	if cfg.ShipCloseTimeout <= 0 && cfg.Ship == ShipEmbedded {
		return nil, option.Errorf(component, shipPrefix+"close-timeout", cfg.ShipCloseTimeout, "must be greater than zero")
	}
	w := &Writer{publications: make(map[*schemaPublication]bool)}
	if cfg.QueueMessages {
		w.messages = newMessageQueue()
		cfg.Redis.OnError = alsoTo(cfg.Redis.OnError, func(err error) {
			w.messages.add(fmt.Errorf("cloudtap: Redis: %w (records wait in memory; retrying)", err))
		})
		cfg.Shipper.OnError = alsoTo(cfg.Shipper.OnError, func(err error) {
			w.messages.add(fmt.Errorf("cloudtap: Elasticsearch shipper: %w", err))
		})
	}
	w.cfg = cfg
	hot, err := hotstore.New(cfg.Redis)
	if err != nil {
		return nil, err // names the option, as ParseConfig's errors do
	}
	w.hot = hot
	if cfg.Ship == ShipEmbedded {
		if w.cold, err = startShipper(cfg.Shipper, w.report); err != nil {
			_ = hot.Close(context.Background())
			return nil, err
		}
	}
	return w, nil
}

// Config is the writer's configuration.
func (w *Writer) Config() Config { return w.cfg }

// NextMessage takes the oldest report waiting for the caller (with
// Config.QueueMessages): Redis or Elasticsearch unreachable, batches sent
// again, records moved to a dead-letter stream. Drops are not among them:
// the Write or Close that dropped records returns them. False when none
// waits, or the writer sends its reports to stderr.
func (w *Writer) NextMessage() (string, bool) {
	if w.messages == nil {
		return "", false
	}
	return w.messages.next()
}

// report hands a problem of the writer itself (not of a single call) to
// the caller's queue, or to stderr.
func (w *Writer) report(err error) {
	if w.messages != nil {
		w.messages.add(err)
		return
	}
	slog.Error(err.Error())
}

// alsoTo returns a callback calling first (when set), then then.
func alsoTo(first, then func(error)) func(error) {
	if first == nil {
		return then
	}
	return func(err error) { first(err); then(err) }
}

// OpenLog opens the log stream of path ("conn", "dns", ...) with its
// schema, which it checks and stores in Redis (SchemaKey) for the cold
// tier. An empty schema means unknown: nothing is checked or stored (a
// backfill of JSON logs with no schema file).
func (w *Writer) OpenLog(path string, schema zeekschema.Schema) (*Log, error) {
	if len(schema) > 0 {
		if err := schema.Check(); err != nil {
			return nil, fmt.Errorf("cloudtap: log %s: %w", path, err)
		}
	}
	s, err := w.hot.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cloudtap: log %s: %w", path, err)
	}
	l := &Log{w: w, path: path, schema: schema, stream: s}
	if w.cold != nil {
		w.cold.open(path, schema)
	}
	if len(schema) > 0 && w.cfg.Redis.Mode != hotstore.ModePubSub { // pub/sub stores nothing
		l.published, err = w.publish(rediskey.Schema(w.cfg.Redis.KeyPrefix, path), schema)
		if err != nil {
			_ = s.Close(context.Background())
			return nil, fmt.Errorf("cloudtap: log %s: %w", path, err)
		}
	}
	return l, nil
}

func (w *Writer) publish(key string, schema zeekschema.Schema) (*schemaPublication, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, err := startPublication(w.cfg.Redis, key, schema, &w.publishers)
	if err != nil {
		return nil, err
	}
	w.publications[p] = true
	return p, nil
}

// forget ends a closed log's publication: its result is already reported.
func (w *Writer) forget(p *schemaPublication) {
	if p == nil {
		return
	}
	p.abandon()
	w.mu.Lock()
	delete(w.publications, p)
	w.mu.Unlock()
}

// Stats sums the counters of every log, open and closed.
func (w *Writer) Stats() hotstore.Stats { return w.hot.Stats() }

// ShipStats are the embedded shipper's counters; zero without one.
func (w *Writer) ShipStats() coldstore.Stats { return w.cold.stats() }

// waitUntil waits for wg, or for ctx to end.
func waitUntil(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// bounded gives ctx the configured close timeout when it has no deadline.
func (w *Writer) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, w.cfg.CloseTimeout)
}

// Close closes every log, delivering what it can, and then lets the
// embedded shipper ship what it can. One bound: Close returns by ctx's
// deadline; without one, within close-timeout for Redis plus
// es-close-timeout for the cold tier. A server that accepts and never
// answers does not stretch it (connections waiting on one are cut). What
// was not delivered is counted as dropped and reported in the error, as
// is a schema not stored; what was not shipped stays in Redis. Closing
// twice returns the first result.
func (w *Writer) Close(ctx context.Context) error {
	w.closeOnce.Do(func() {
		hotCtx, cancel := w.bounded(ctx)
		defer cancel()
		errs := []error{w.hot.Close(hotCtx)}
		w.mu.Lock()
		pubs := make([]*schemaPublication, 0, len(w.publications))
		for p := range w.publications {
			pubs = append(pubs, p)
		}
		w.mu.Unlock()
		for _, p := range pubs {
			errs = append(errs, p.wait(hotCtx))
			w.forget(p)
		}
		waitUntil(hotCtx, &w.publishers) // one stuck on a hung server ends on its own
		if w.cold != nil {
			// After the hot tier has taken what it could: the records are
			// safe in Redis whatever happens here. At most
			// es-close-timeout, and never past the caller's deadline.
			shipCtx, cancelShip := context.WithTimeout(ctx, w.cfg.ShipCloseTimeout)
			errs = append(errs, w.cold.close(shipCtx))
			cancelShip()
		}
		if err := errors.Join(errs...); err != nil {
			w.closeErr = oneLine(fmt.Errorf("cloudtap: closing the writer: %w", err))
		}
		// Nobody can take messages from a closed writer: what still
		// waits goes where it would have gone without the queue.
		for msg, ok := w.NextMessage(); ok; msg, ok = w.NextMessage() {
			slog.Error(msg)
		}
	})
	return w.closeErr
}
