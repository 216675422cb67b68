package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// buildCloudtap builds this command into the test's directory, for tests
// that need a process of its own (exit status, SIGKILL).
func buildCloudtap(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPING: no go command to build cloudtap with")
	}
	bin := filepath.Join(t.TempDir(), "cloudtap")
	out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// gzipCopy writes src gzipped, as Zeek rotates logs, to a new file name
// and returns its path.
func gzipCopy(t *testing.T, src, name string) string {
	t.Helper()
	raw, err := os.ReadFile(src)
	require.NoError(t, err)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err = zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, gz.Bytes(), 0o600))
	return path
}
