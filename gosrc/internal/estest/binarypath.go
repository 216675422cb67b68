package estest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
)

// BinaryPath is Binary for programs outside go test (the btests' es-start
// script, through cmd/zinc-binary): the ZincSearch binary, built into the
// user's cache on first use; logf hears about a build.
func BinaryPath(logf func(string, ...any)) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if !fileExists(goCmd) {
			return "", errors.New("no go command to build ZincSearch with")
		}
	}
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	return ensureBinary(goCmd, dir, logf)
}
