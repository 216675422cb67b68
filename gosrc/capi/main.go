// Command capi is cloudtap's C API, built with -buildmode=c-archive into
// libcloudtap.a and libcloudtap.h for the Zeek plugin. Every handle is a
// runtime/cgo.Handle; errors come back as strings the caller frees with
// cloudtap_free.
package main

/*
#include <stdlib.h>
#include "cloudtap_types.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"unsafe"

	"github.com/cloudtap/cloudtap/gosrc/internal/zeekschema"
)

func main() {}

// valueOf resolves a handle to the value it holds, refusing a null handle
// or one of another kind (a log handle passed as a packet source).
func valueOf[T any](h C.uintptr_t, what string) (T, error) {
	var zero T
	if h == 0 {
		return zero, fmt.Errorf("cloudtap: null %s handle", what)
	}
	v, ok := cgo.Handle(h).Value().(T)
	if !ok {
		return zero, fmt.Errorf("cloudtap: handle is not a %s", what)
	}
	return v, nil
}

// cString returns a C copy of s for *err; the caller frees it.
func setErr(errOut **C.char, err error) {
	if errOut != nil && err != nil {
		*errOut = C.CString(err.Error())
	}
}

//export cloudtap_free
func cloudtap_free(p unsafe.Pointer) { C.free(p) }

// schemaOf reads n C fields, each a name and a Zeek type string.
func schemaOf(fields *C.cloudtap_field, n C.uint32_t) (zeekschema.Schema, error) {
	if fields == nil || n == 0 {
		return nil, errors.New("no fields")
	}
	schema := make(zeekschema.Schema, int(n))
	for i, f := range unsafe.Slice(fields, int(n)) {
		if f.name == nil || f._type == nil {
			return nil, fmt.Errorf("field %d has a null name or type", i+1)
		}
		schema[i] = zeekschema.Field{Name: C.GoString(f.name), Type: C.GoString(f._type)}
	}
	return schema, nil
}
