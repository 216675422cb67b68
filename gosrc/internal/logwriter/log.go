package logwriter

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

// Log is one open log stream. All methods are safe for concurrent use.
type Log struct {
	w         *Writer
	path      string
	schema    zeekschema.Schema
	stream    *hotstore.Stream
	published *schemaPublication // nil without a schema
}

// Path is the log path; Key is the Redis key (or channel) of its records.
func (l *Log) Path() string              { return l.path }
func (l *Log) Key() string               { return l.stream.Key() }
func (l *Log) Schema() zeekschema.Schema { return l.schema }
func (l *Log) Stats() hotstore.Stats     { return l.stream.Stats() }

func (l *Log) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return oneLine(fmt.Errorf("cloudtap: log %s: %s%w", l.path, what, err))
}

// Write appends records, each one line of Zeek JSON, in order. They are
// copied before Write returns. Records that do not fit the bounded buffer
// are dropped, counted in Stats().Dropped, and named in the error, which
// wraps a *hotstore.DropError.
func (l *Log) Write(records [][]byte) error {
	return l.wrap("", l.stream.Write(records))
}

// Flush waits until Redis has acknowledged every record written so far,
// and the schema is stored, or ctx ends (at most the close timeout when
// ctx has no deadline).
func (l *Log) Flush(ctx context.Context) error {
	ctx, cancel := l.w.bounded(ctx)
	defer cancel()
	if err := l.stream.Flush(ctx); err != nil {
		return l.wrap("flush: ", err)
	}
	return l.wrap("flush: ", l.published.wait(ctx))
}

// Close delivers what it can until ctx ends (at most the close timeout
// when ctx has no deadline) and closes the log; records still undelivered
// are counted as dropped and reported. The path may then be opened again.
func (l *Log) Close(ctx context.Context) error {
	ctx, cancel := l.w.bounded(ctx)
	defer cancel()
	err := errors.Join(l.stream.Close(ctx), l.published.wait(ctx))
	l.w.forget(l.published)
	return l.wrap("close: ", err)
}
