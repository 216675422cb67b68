// Package traces finds and reads the shared capture files that tests use:
// real mirrored traffic from Zeek's test suite in ../shared/traces beside
// the project root.
package traces

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
)

// EnvDir overrides where the traces are looked for.
const EnvDir = "CLOUDTAP_TRACES"

// Frame is one captured packet.
type Frame = pcapread.Frame

// Dir returns the traces directory. The captures sit beside the project's
// own checkouts (../shared) and CI's, never beside a user's clone: where
// they are missing the test is skipped, loudly, except under CI (CI set),
// where their absence is a broken set-up and fails the test.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("traces: %v", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(filepath.Dir(d), "shared", "traces")
			if _, err := os.Stat(dir); err != nil {
				msg := fmt.Sprintf("traces: shared captures not found at %s (set %s): %v", dir, EnvDir, err)
				if os.Getenv("CI") != "" {
					t.Fatal(msg)
				}
				t.Skip("SKIPPING: " + msg + "; this test reads real mirrored captures, which only the project's own machines have")
			}
			return dir
		}
		if filepath.Dir(d) == d {
			t.Fatalf("traces: no go.mod above %s", wd)
		}
	}
}

// Path is the path of a named trace, e.g. "vxlan.pcap" or "inner/ssh.trace".
func Path(t testing.TB, name string) string {
	return filepath.Join(Dir(t), name)
}

// Read loads every frame of a pcap or pcapng file and its link type.
func Read(t testing.TB, name string) ([]Frame, layers.LinkType) {
	t.Helper()
	frames, link, err := pcapread.ReadFile(Path(t, name))
	if err != nil {
		t.Fatalf("traces: %v", err)
	}
	return frames, link
}
