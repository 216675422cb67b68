package estest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// The one ZincSearch version the module proxy serves.
const (
	zincModule  = "github.com/zincsearch/zincsearch"
	zincVersion = "v0.4.10"
	binaryName  = "zincsearch"
)

// Binary returns the path of the ZincSearch binary, building it first if
// the cache does not hold it yet. Without a go command the test is skipped
// loudly; any other failure fails it with the reason.
func Binary(t testing.TB) string {
	t.Helper()
	goCmd := goCommand(t)
	dir, err := cacheDir()
	if err != nil {
		t.Fatalf("estest: %v", err)
	}
	path, err := ensureBinary(goCmd, dir, t.Logf)
	if err != nil {
		t.Fatalf("estest: building ZincSearch %s failed: %v", zincVersion, err)
	}
	return path
}

// goCommand finds the go tool: on PATH, else beside the running toolchain.
func goCommand(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	t.Skip("SKIPPING: no go command to build ZincSearch with; this test needs a real " +
		"Elasticsearch-API server and proves nothing without it")
	return ""
}

// cacheDir is where built servers are kept, outside any repository.
func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the ZincSearch build (set XDG_CACHE_HOME or HOME): %w", err)
	}
	return filepath.Join(base, "cloudtap", "zincsearch-"+zincVersion), nil
}

// ensureBinary returns dir/zincsearch, building it under an exclusive file
// lock when missing. The lock is held across the check so that a second
// process waits for the first build instead of starting its own.
func ensureBinary(goCmd, dir string, logf func(string, ...any)) (string, error) {
	bin := filepath.Join(dir, binaryName)
	if fileExists(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if fileExists(bin) { // built by another process while we waited
		return bin, nil
	}
	removeStaleBuilds(dir)
	logf("estest: building ZincSearch %s into %s (first use only; takes minutes)", zincVersion, dir)
	if err := build(goCmd, dir, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// removeStaleBuilds deletes scratch directories of builds that were
// killed; under the lock no build is running.
func removeStaleBuilds(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, "build-*"))
	for _, d := range stale {
		_ = os.RemoveAll(d)
	}
}

// lockFile takes an exclusive flock on path, waiting for it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open build lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// build downloads the module, copies it to a scratch directory inside dir,
// patches what does not build as shipped, and installs the binary at bin
// by rename, so that a half-written binary is never seen.
func build(goCmd, dir, bin string) error {
	moduleDir, err := downloadModule(goCmd)
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	src := filepath.Join(scratch, "src")
	if err := copyTree(moduleDir, src); err != nil {
		return fmt.Errorf("copy module source: %w", err)
	}
	if err := patchSource(src); err != nil {
		return err
	}
	out := filepath.Join(scratch, binaryName)
	cmd := exec.Command(goCmd, "build", "-o", out, "./cmd/zincsearch")
	cmd.Dir = src
	cmd.Env = buildEnv()
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/zincsearch: %w\n%s", err, tail(msg, 4000))
	}
	if err := os.Rename(out, bin); err != nil {
		return fmt.Errorf("install binary: %w", err)
	}
	return nil
}

// buildEnv keeps the build independent of the repository it is started
// from: no workspace, no vendoring flags, and the module's own go.sum.
func buildEnv() []string {
	env := make([]string, 0, len(os.Environ())+3)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "GOWORK=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0")
}

// downloadModule fetches the module through the module proxy and returns
// its (read-only) directory in the module cache.
func downloadModule(goCmd string) (string, error) {
	cmd := exec.Command(goCmd, "mod", "download", "-json", zincModule+"@"+zincVersion)
	cmd.Env = buildEnv()
	cmd.Dir = os.TempDir() // outside any module: the download must not touch a go.mod
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", zincModule, zincVersion, info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w\n%s", zincModule, zincVersion, err, tail(stderr.Bytes(), 2000))
	}
	if info.Dir == "" {
		return "", errors.New("go mod download named no module directory")
	}
	return info.Dir, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
