// Command zinc-binary prints the path of the ZincSearch binary the tests
// use as their Elasticsearch-API server, building it into the user's cache
// first if needed (package estest says how and why). The btests' es-start
// script runs it; it is not part of cloudtap.
package main

import (
	"fmt"
	"os"

	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
)

func main() {
	path, err := estest.BinaryPath(func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "zinc-binary: "+format+"\n", a...)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "zinc-binary: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
