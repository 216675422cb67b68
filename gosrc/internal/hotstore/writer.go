package hotstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cloudtap/cloudtap/gosrc/internal/repeatlimit"
)

// Writer sends log records to Redis, one Stream per log path. It never
// needs Redis to be up: records wait in a bounded buffer while a
// background goroutine per path (re)connects and delivers them in order.
// All methods are safe for concurrent use.
type Writer struct {
	cfg    Config
	id     string // names this writer's dedup markers
	dialer *Dialer
	budget *budget
	errLog *errLimiter // for the default error log only

	mu      sync.Mutex
	streams map[string]*Stream
	// retired are closed streams, kept so their counters (including drops
	// of late writes to a closed handle) stay in the writer's totals.
	retired []*Stream
	closed  bool
}

// New validates cfg and returns a Writer. It does not connect: a Redis that
// is down now is only a reason to buffer.
func New(cfg Config) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d, err := NewDialer(cfg, "cloudtap-hotstore")
	if err != nil {
		return nil, err
	}
	id := cfg.WriterID
	if id == "" {
		if id, err = newWriterID(); err != nil {
			return nil, err
		}
	}
	return &Writer{
		errLog:  newErrLimiter(repeatlimit.DefaultInterval),
		cfg:     cfg,
		id:      id,
		dialer:  d,
		budget:  newBudget(cfg.BufferMaxRecords, cfg.BufferMaxBytes),
		streams: make(map[string]*Stream),
	}, nil
}

// newWriterID is random so that writers in different processes (Zeek
// loggers on several hosts) never share a dedup marker.
func newWriterID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("hotstore: writer id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Open starts the stream for one log path ("conn", "dns", ...), written to
// key (or channel) KeyPrefix+path. A path can be open once at a time.
func (w *Writer) Open(path string) (*Stream, error) {
	if path == "" {
		return nil, errors.New("hotstore: open: empty log path")
	}
	if err := checkNamePart(path); err != nil {
		return nil, fmt.Errorf("hotstore: open log path %q: %w", path, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, fmt.Errorf("hotstore: open %q: %w", path, ErrClosed)
	}
	if _, dup := w.streams[path]; dup {
		return nil, fmt.Errorf("hotstore: open %q: log path is already open", path)
	}
	s := newStream(w, path)
	w.streams[path] = s
	go s.run()
	if w.cfg.retains() {
		go s.retain()
	} else {
		close(s.retained)
	}
	return s, nil
}

// Flush waits until every record accepted so far, on every path, is
// acknowledged by Redis, or ctx ends.
func (w *Writer) Flush(ctx context.Context) error {
	var errs []error
	for _, s := range w.openStreams() {
		errs = append(errs, s.Flush(ctx))
	}
	return errors.Join(errs...)
}

// Close stops accepting records, delivers what it can until ctx ends,
// then stops every path. What could not be delivered is counted as
// dropped and reported in the returned error.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	var errs []error
	for _, s := range w.openStreams() {
		errs = append(errs, s.Close(ctx))
	}
	return errors.Join(errs...)
}

// Stats sums the counters of all paths, open and closed.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	streams := append([]*Stream(nil), w.retired...)
	for _, s := range w.streams {
		streams = append(streams, s)
	}
	w.mu.Unlock()
	var total Stats
	for _, s := range streams {
		total.add(s.Stats())
	}
	return total
}

func (w *Writer) openStreams() []*Stream {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*Stream, 0, len(w.streams))
	for _, s := range w.streams {
		out = append(out, s)
	}
	return out
}

// retire moves a closed stream out of the open set, freeing its path.
func (w *Writer) retire(s *Stream) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.streams[s.path] == s {
		delete(w.streams, s.path)
		w.retired = append(w.retired, s)
	}
}

// report hands an error to Config.OnError, or logs it loudly.
func (w *Writer) report(err error) {
	if w.cfg.OnError != nil {
		w.cfg.OnError(err)
		return
	}
	if msg, ok := w.errLog.pass(err); ok {
		slog.Error("cloudtap hot store", "err", msg)
	}
}
