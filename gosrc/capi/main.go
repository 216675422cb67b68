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
	"unsafe"
)

func main() {}

// cString returns a C copy of s for *err; the caller frees it.
func setErr(errOut **C.char, err error) {
	if errOut != nil && err != nil {
		*errOut = C.CString(err.Error())
	}
}

//export cloudtap_free
func cloudtap_free(p unsafe.Pointer) { C.free(p) }

// version is set by the build (-ldflags -X main.version=...).
var version = "dev"

//export cloudtap_version
func cloudtap_version() *C.char { return C.CString(version) }
