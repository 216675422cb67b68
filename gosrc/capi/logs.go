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

	"github.com/cloudtap/cloudtap/gosrc/hotstore"
	"github.com/cloudtap/cloudtap/gosrc/zeekschema"
)

// logStream is what a log handle holds: one Zeek log path in the hot tier,
// with the schema the plugin declared for it.
type logStream struct {
	path   string
	schema zeekschema.Schema
	stream *hotstore.Stream
}

// timeoutCtx turns a C timeout in milliseconds into a context; <= 0 means
// no limit.
func timeoutCtx(ms C.int) (context.Context, context.CancelFunc) {
	if ms <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
}

// cloudtap_writer_open opens the hot tier from a Redis URL with options
// (see gosrc/hotstore/README.md). An unreachable Redis is not an error:
// records buffer and the writer reconnects. A malformed URL is.
//
//export cloudtap_writer_open
func cloudtap_writer_open(url *C.char, errOut **C.char) C.uintptr_t {
	cfg, err := hotstore.ParseURL(C.GoString(url))
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	w, err := hotstore.New(cfg)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(w))
}

//export cloudtap_log_open
func cloudtap_log_open(wh C.uintptr_t, path *C.char, fields *C.cloudtap_field, n C.uint32_t, errOut **C.char) C.uintptr_t {
	w, err := valueOf[*hotstore.Writer](wh, "writer")
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	if fields == nil && n > 0 {
		setErr(errOut, errors.New("cloudtap: null field array"))
		return 0
	}
	schema := make(zeekschema.Schema, int(n))
	for i, f := range unsafe.Slice(fields, int(n)) {
		schema[i] = zeekschema.Field{Name: C.GoString(f.name), Type: C.GoString(f._type)}
	}
	p := C.GoString(path)
	if err := schema.Check(); err != nil {
		setErr(errOut, fmt.Errorf("cloudtap: log %s: %w", p, err))
		return 0
	}
	s, err := w.Open(p)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(&logStream{path: p, schema: schema, stream: s}))
}

// cloudtap_log_write appends records in order. It returns 0, or
// CLOUDTAP_ERROR with *err naming what was dropped (the buffer was full
// past its bound): those records are counted in the stats, never silently
// lost. Safe from several threads.
//
//export cloudtap_log_write
func cloudtap_log_write(lh C.uintptr_t, recs *C.cloudtap_record, n C.uint32_t, errOut **C.char) C.int {
	l, err := valueOf[*logStream](lh, "log")
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
	// The slices point into C memory; hotstore copies them before Write
	// returns, and nothing here keeps them.
	records := make([][]byte, int(n))
	for i, r := range unsafe.Slice(recs, int(n)) {
		records[i] = unsafe.Slice((*byte)(unsafe.Pointer(r.data)), int(r.len))
	}
	if err := l.stream.Write(records); err != nil {
		setErr(errOut, fmt.Errorf("cloudtap: log %s: %w", l.path, err))
		return C.CLOUDTAP_ERROR
	}
	return 0
}

// onLog runs op on a log with a timeout and reports its error, named.
func onLog(lh C.uintptr_t, timeoutMs C.int, errOut **C.char, what string, op func(*logStream, context.Context) error) C.int {
	l, err := valueOf[*logStream](lh, "log")
	if err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	ctx, cancel := timeoutCtx(timeoutMs)
	defer cancel()
	if err := op(l, ctx); err != nil {
		setErr(errOut, fmt.Errorf("cloudtap: log %s: %s: %w", l.path, what, err))
		return C.CLOUDTAP_ERROR
	}
	return 0
}

// cloudtap_log_flush waits until Redis has acknowledged everything written
// to this log, or the timeout passes.
//
//export cloudtap_log_flush
func cloudtap_log_flush(lh C.uintptr_t, timeoutMs C.int, errOut **C.char) C.int {
	return onLog(lh, timeoutMs, errOut, "flush", func(l *logStream, ctx context.Context) error {
		return l.stream.Flush(ctx)
	})
}

// cloudtap_log_close delivers what it can within the timeout and closes the
// log, freeing its handle; records it could not deliver are reported in *err.
//
//export cloudtap_log_close
func cloudtap_log_close(lh C.uintptr_t, timeoutMs C.int, errOut **C.char) C.int {
	return onLog(lh, timeoutMs, errOut, "close", func(l *logStream, ctx context.Context) error {
		defer cgo.Handle(lh).Delete()
		return l.stream.Close(ctx)
	})
}

//export cloudtap_log_get_stats
func cloudtap_log_get_stats(lh C.uintptr_t, out *C.cloudtap_log_stats) {
	l, err := valueOf[*logStream](lh, "log")
	if err != nil || out == nil {
		return
	}
	fillLogStats(out, l.stream.Stats())
}

//export cloudtap_writer_get_stats
func cloudtap_writer_get_stats(wh C.uintptr_t, out *C.cloudtap_log_stats) {
	w, err := valueOf[*hotstore.Writer](wh, "writer")
	if err != nil || out == nil {
		return
	}
	fillLogStats(out, w.Stats())
}

func fillLogStats(out *C.cloudtap_log_stats, st hotstore.Stats) {
	out.written, out.dropped, out.reconnects = C.uint64_t(st.Written), C.uint64_t(st.Dropped), C.uint64_t(st.Reconnects)
	out.buffered = C.uint64_t(max(st.Buffered, 0))
}

// cloudtap_writer_close closes every log of the writer, delivering within
// the timeout, and frees the writer.
//
//export cloudtap_writer_close
func cloudtap_writer_close(wh C.uintptr_t, timeoutMs C.int, errOut **C.char) C.int {
	w, err := valueOf[*hotstore.Writer](wh, "writer")
	if err != nil {
		setErr(errOut, err)
		return C.CLOUDTAP_ERROR
	}
	ctx, cancel := timeoutCtx(timeoutMs)
	defer cancel()
	err = w.Close(ctx)
	cgo.Handle(wh).Delete()
	if err != nil {
		setErr(errOut, fmt.Errorf("cloudtap: closing the Redis writer: %w", err))
		return C.CLOUDTAP_ERROR
	}
	return 0
}
