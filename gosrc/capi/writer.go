package main

/*
#include "cloudtap_types.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime/cgo"
	"time"
	"unsafe"

	"github.com/cloudtap/cloudtap/gosrc/internal/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/internal/logwriter"
	"github.com/cloudtap/cloudtap/gosrc/internal/option"
)

// The writer API is a thin shell over package logwriter, which holds all
// the behaviour and its tests; here C memory becomes Go values and errors
// become strings.

// timeoutCtx turns a C timeout in milliseconds into a context. <= 0 leaves
// the bound to the configuration's close-timeout (5 s by default): no call
// here waits for Redis indefinitely.
func timeoutCtx(ms C.int) (context.Context, context.CancelFunc) {
	if ms <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
}

// cloudtap_writer_open opens a writer from a configuration string: a Redis
// URL, key=value pairs, or both (grammar: gosrc/internal/logwriter/doc.go). An
// unreachable Redis is not an error: records buffer and the writer
// reconnects. A malformed configuration is.
//
//export cloudtap_writer_open
func cloudtap_writer_open(config *C.char, errOut **C.char) C.uintptr_t {
	return openWriter(config, false, errOut)
}

// cloudtap_writer_open_queued opens a writer as cloudtap_writer_open does,
// but its reports (Redis or Elasticsearch unreachable, batches sent again,
// records dead-lettered) wait for cloudtap_writer_next_message instead of
// going to stderr: for a caller with a log of its own, as Zeek's
// reporter.log.
//
//export cloudtap_writer_open_queued
func cloudtap_writer_open_queued(config *C.char, errOut **C.char) C.uintptr_t {
	return openWriter(config, true, errOut)
}

// cloudtap_writer_open_with opens a writer from config with the n
// key=value overrides laid over it (a Zeek filter's $config: a key there
// replaces the same key of config; redis_url is redis). queued != 0 is
// cloudtap_writer_open_queued's way of reporting.
//
//export cloudtap_writer_open_with
func cloudtap_writer_open_with(config *C.char, overrides *C.cloudtap_option, n C.uint32_t, queued C.int, errOut **C.char) C.uintptr_t {
	pairs, err := optionPairs(overrides, n)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	cfg, err := logwriter.ParseConfigWith(C.GoString(config), pairs)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return newWriter(cfg, queued != 0, errOut)
}

// cloudtap_config_check parses a writer configuration without opening
// anything: 0, or CLOUDTAP_ERROR with *err naming the bad part.
//
//export cloudtap_config_check
func cloudtap_config_check(config *C.char, errOut **C.char) C.int {
	if _, err := logwriter.ParseConfig(C.GoString(config)); err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	return 0
}

func optionPairs(overrides *C.cloudtap_option, n C.uint32_t) ([]option.Pair, error) {
	if n == 0 {
		return nil, nil
	}
	if overrides == nil {
		return nil, errors.New("cloudtap: null option array")
	}
	pairs := make([]option.Pair, 0, int(n))
	for i, o := range unsafe.Slice(overrides, int(n)) {
		if o.key == nil || o.value == nil {
			return nil, fmt.Errorf("cloudtap: option %d has a null key or value", i+1)
		}
		pairs = append(pairs, option.Pair{Key: C.GoString(o.key), Value: C.GoString(o.value)})
	}
	return pairs, nil
}

func openWriter(config *C.char, queued bool, errOut **C.char) C.uintptr_t {
	cfg, err := logwriter.ParseConfig(C.GoString(config))
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return newWriter(cfg, queued, errOut)
}

func newWriter(cfg logwriter.Config, queued bool, errOut **C.char) C.uintptr_t {
	cfg.QueueMessages = queued
	w, err := logwriter.New(cfg)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(w))
}

// cloudtap_writer_next_message takes the oldest report waiting in a writer
// opened with cloudtap_writer_open_queued, one line of text the caller
// frees with cloudtap_free; NULL when none waits. Drops are not among
// them: the write or close that dropped records returns them. Safe from
// several threads; each message goes to one caller.
//
//export cloudtap_writer_next_message
func cloudtap_writer_next_message(wh C.uintptr_t) *C.char {
	w, err := valueOf[*logwriter.Writer](wh, "writer")
	if err != nil {
		return nil
	}
	msg, ok := w.NextMessage()
	if !ok {
		return nil
	}
	return C.CString(msg)
}

// cloudtap_log_open opens the log stream of path with its schema: n
// fields, each a name and a Zeek type string ("addr", "set[string]").
//
//export cloudtap_log_open
func cloudtap_log_open(wh C.uintptr_t, path *C.char, fields *C.cloudtap_field, n C.uint32_t, errOut **C.char) C.uintptr_t {
	w, err := valueOf[*logwriter.Writer](wh, "writer")
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	p := C.GoString(path)
	if fields == nil || n == 0 {
		setErr(errOut, fmt.Errorf("cloudtap: log %s: no fields: a Zeek log has at least one", p))
		return 0
	}
	schema, err := schemaOf(fields, n)
	if err != nil {
		setErr(errOut, fmt.Errorf("cloudtap: log %s: %w", p, err))
		return 0
	}
	l, err := w.OpenLog(p, schema)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(l))
}

// cloudtap_log_write appends records in order. It returns 0, or
// CLOUDTAP_ERROR with *err naming what was dropped (the buffer was full
// past its bound): those records are counted in the stats, never silently
// lost. Safe from several threads.
//
//export cloudtap_log_write
func cloudtap_log_write(lh C.uintptr_t, recs *C.cloudtap_record, n C.uint32_t, errOut **C.char) C.int {
	l, err := valueOf[*logwriter.Log](lh, "log")
	if err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	if n == 0 {
		return 0
	}
	if recs == nil {
		setErr(errOut, errors.New("cloudtap: null record array"))
		return C.CLOUDTAP_ERROR
	}
	// The slices point into C memory; Write copies them before it
	// returns, and nothing here keeps them.
	records := make([][]byte, int(n))
	for i, r := range unsafe.Slice(recs, int(n)) {
		records[i] = unsafe.Slice((*byte)(unsafe.Pointer(r.data)), int(r.len))
	}
	if err := l.Write(records); err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	return 0
}

// onLog runs op on a log with a timeout and reports its error.
func onLog(lh C.uintptr_t, timeoutMs C.int, errOut **C.char, op func(*logwriter.Log, context.Context) error) C.int {
	l, err := valueOf[*logwriter.Log](lh, "log")
	if err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	ctx, cancel := timeoutCtx(timeoutMs)
	defer cancel()
	if err := op(l, ctx); err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	return 0
}

// cloudtap_log_flush waits until Redis has acknowledged everything written
// to this log (and stored its schema), or the timeout passes.
//
//export cloudtap_log_flush
func cloudtap_log_flush(lh C.uintptr_t, timeoutMs C.int, errOut **C.char) C.int {
	return onLog(lh, timeoutMs, errOut, (*logwriter.Log).Flush)
}

// cloudtap_log_close delivers what it can within the timeout and closes the
// log, freeing its handle; records it could not deliver are reported in *err.
//
//export cloudtap_log_close
func cloudtap_log_close(lh C.uintptr_t, timeoutMs C.int, errOut **C.char) C.int {
	return onLog(lh, timeoutMs, errOut, func(l *logwriter.Log, ctx context.Context) error {
		defer cgo.Handle(lh).Delete()
		return l.Close(ctx)
	})
}

// cloudtap_log_get_stats fills *out with the log's counters; all zero for
// a bad handle.
//
//export cloudtap_log_get_stats
func cloudtap_log_get_stats(lh C.uintptr_t, out *C.cloudtap_log_stats) {
	if out == nil {
		return
	}
	*out = C.cloudtap_log_stats{}
	if l, err := valueOf[*logwriter.Log](lh, "log"); err == nil {
		fillLogStats(out, l.Stats())
	}
}

// cloudtap_writer_get_stats fills *out with the sums over every log of the
// writer, open and closed; all zero for a bad handle.
//
//export cloudtap_writer_get_stats
func cloudtap_writer_get_stats(wh C.uintptr_t, out *C.cloudtap_log_stats) {
	if out == nil {
		return
	}
	*out = C.cloudtap_log_stats{}
	if w, err := valueOf[*logwriter.Writer](wh, "writer"); err == nil {
		fillLogStats(out, w.Stats())
	}
}

func fillLogStats(out *C.cloudtap_log_stats, st hotstore.Stats) {
	out.written, out.dropped, out.reconnects = C.uint64_t(st.Written), C.uint64_t(st.Dropped), C.uint64_t(st.Reconnects)
	out.buffered = C.uint64_t(max(st.Buffered, 0))
}

// cloudtap_writer_close closes every log of the writer, delivering within
// the timeout, and frees the writer. Log handles stay valid until
// cloudtap_log_close; writes to them are counted as dropped.
//
//export cloudtap_writer_close
func cloudtap_writer_close(wh C.uintptr_t, timeoutMs C.int, errOut **C.char) C.int {
	w, err := valueOf[*logwriter.Writer](wh, "writer")
	if err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	ctx, cancel := timeoutCtx(timeoutMs)
	defer cancel()
	err = w.Close(ctx)
	cgo.Handle(wh).Delete()
	if err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	return 0
}
