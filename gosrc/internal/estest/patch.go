package estest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// patchSource makes the ZincSearch module build with current Go:
//   - the web UI it embeds (web/dist) is not in the module zip, so a
//     placeholder page stands in for it;
//   - its optional profiler (pyroscope, through godeltaprof v0.1.2) does
//     not compile any more, so main.go stops importing it.
func patchSource(src string) error {
	dist := filepath.Join(src, "web", "dist")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return fmt.Errorf("create web/dist: %w", err)
	}
	page := []byte("<!doctype html><title>ZincSearch (test build, no UI)</title>\n")
	if err := os.WriteFile(filepath.Join(dist, "index.html"), page, 0o644); err != nil {
		return fmt.Errorf("write web/dist/index.html: %w", err)
	}
	mainGo := filepath.Join(src, "cmd", "zincsearch", "main.go")
	b, err := os.ReadFile(mainGo)
	if err != nil {
		return fmt.Errorf("read main.go: %w", err)
	}
	patched, err := withoutProfiler(string(b))
	if err != nil {
		return fmt.Errorf("patch %s: %w", mainGo, err)
	}
	if err := os.WriteFile(mainGo, []byte(patched), 0o644); err != nil {
		return fmt.Errorf("write main.go: %w", err)
	}
	return nil
}

// withoutProfiler removes the pyroscope import and empties profiling(),
// the only function that uses it (and the only user of "strings").
func withoutProfiler(src string) (string, error) {
	const imp = "\t\"github.com/pyroscope-io/client/pyroscope\"\n"
	if !strings.Contains(src, imp) {
		return "", fmt.Errorf("pyroscope import not found: the source is not ZincSearch %s as expected", zincVersion)
	}
	src = strings.Replace(src, imp, "", 1)
	start := strings.Index(src, "func profiling() {")
	end := strings.Index(src, "// shutdown support")
	if start < 0 || end < start {
		return "", fmt.Errorf("func profiling not found where expected in ZincSearch %s", zincVersion)
	}
	src = src[:start] + "func profiling() {} // profiler removed: it does not build with current Go\n\n" + src[end:]
	if !strings.Contains(src, "strings.") {
		src = strings.Replace(src, "\t\"strings\"\n", "", 1)
	}
	return src, nil
}

// copyTree copies the regular files and directories under from into to,
// writable (the module cache is read-only).
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(p, dst)
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
