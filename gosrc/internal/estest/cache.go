package estest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// What the engines' builds share: a cache directory outside the
// repository, and a file lock so that test packages running in parallel
// build once.

// cacheDir is where a built server is kept, outside any repository:
// $XDG_CACHE_HOME/cloudtap/NAME or ~/.cache/cloudtap/NAME.
func cacheDir(name string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the %s build (set XDG_CACHE_HOME or HOME): %w", name, err)
	}
	return filepath.Join(base, "cloudtap", name), nil
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
