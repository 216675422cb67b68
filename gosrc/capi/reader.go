package main

/*
#include <stdlib.h>
#include <string.h>
#include "cloudtap_types.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"

	"github.com/cloudtap/cloudtap/gosrc/internal/redisinput"
)

// The reader API is a thin shell over package redisinput.

// cloudtap_reader_open starts reading an input: $source, the server a bare
// key is read from (CloudTap::redis_url), $config as n options, the mode
// (enum cloudtap_input_mode) and the input's fields (names as the Input
// framework unrolls them, Zeek type strings). Redis need not be up. A
// malformed source, option or field type is an error.
//
//export cloudtap_reader_open
func cloudtap_reader_open(source, defaultURL *C.char, config *C.cloudtap_option, nconfig C.uint32_t, mode C.int,
	fields *C.cloudtap_field, nfields C.uint32_t, errOut **C.char) C.uintptr_t {
	pairs, err := optionPairs(config, nconfig)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	if mode < C.CLOUDTAP_INPUT_MANUAL || mode > C.CLOUDTAP_INPUT_STREAM {
		setErr(errOut, fmt.Errorf("reader: unknown input mode %d", int(mode)))
		return 0
	}
	cfg, err := redisinput.Parse(C.GoString(source), C.GoString(defaultURL), pairs, redisinput.Mode(mode))
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	fs, err := schemaOf(fields, nfields)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	var in []redisinput.Field
	for _, f := range fs {
		in = append(in, redisinput.Field{Name: f.Name, Type: f.Type})
	}
	r, err := redisinput.Open(cfg, in)
	if err != nil {
		setErr(errOut, err)
		return 0
	}
	return C.uintptr_t(cgo.NewHandle(r))
}

// cloudtap_reader_next takes the oldest row waiting into *out: 1, or 0
// when none waits. It never waits for Redis.
//
//export cloudtap_reader_next
func cloudtap_reader_next(h C.uintptr_t, out *C.cloudtap_input_row) C.int {
	r, err := valueOf[*redisinput.Reader](h, "reader")
	if err != nil || out == nil {
		return 0
	}
	u, ok := r.Next()
	if !ok {
		return 0
	}
	size := 0
	for _, col := range u.Row {
		size += len(col) + 1
	}
	data := (*C.char)(C.malloc(C.size_t(max(size, 1))))
	buf := unsafe.Slice((*byte)(unsafe.Pointer(data)), max(size, 1))
	off := 0
	for _, col := range u.Row {
		off += copy(buf[off:], col)
		buf[off] = 0
		off++
	}
	out.op, out.ncols, out.data = C.int(u.Op), C.uint32_t(len(u.Row)), data
	return 1
}

// cloudtap_reader_next_message takes the oldest report waiting (Redis
// away, bad entries skipped), one line the caller frees; NULL when none.
//
//export cloudtap_reader_next_message
func cloudtap_reader_next_message(h C.uintptr_t) *C.char {
	r, err := valueOf[*redisinput.Reader](h, "reader")
	if err != nil {
		return nil
	}
	msg, ok := r.NextMessage()
	if !ok {
		return nil
	}
	return C.CString(msg)
}

// cloudtap_reader_close stops the reader and frees its handle.
//
//export cloudtap_reader_close
func cloudtap_reader_close(h C.uintptr_t) {
	r, err := valueOf[*redisinput.Reader](h, "reader")
	if err != nil {
		return
	}
	r.Close()
	cgo.Handle(h).Delete()
}
