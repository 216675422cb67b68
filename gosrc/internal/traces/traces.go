// Package traces finds and reads the shared capture files that tests use:
// real mirrored traffic from Zeek's test suite in ../shared/traces beside
// the project root.
package traces

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// EnvDir overrides where the traces are looked for.
const EnvDir = "CLOUDTAP_TRACES"

// Frame is one captured packet.
type Frame struct {
	Time    time.Time
	Data    []byte
	OrigLen int
}

// Dir returns the traces directory, failing the test when it is missing:
// the traces are part of every checkout's surroundings, so their absence is
// a broken set-up, not a reason to skip.
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
				t.Fatalf("traces: shared captures not found at %s (set %s): %v", dir, EnvDir, err)
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
	frames, link, err := ReadFile(Path(t, name))
	if err != nil {
		t.Fatalf("traces: %v", err)
	}
	return frames, link
}

// ReadFile loads a pcap or pcapng file, telling the formats apart by magic.
func ReadFile(path string) ([]Frame, layers.LinkType, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: reading magic: %w", path, err)
	}
	var (
		next func() ([]byte, time.Time, int, error)
		link layers.LinkType
	)
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		link = r.LinkType()
		next = func() ([]byte, time.Time, int, error) {
			d, ci, err := r.ReadPacketData()
			return d, ci.Timestamp, ci.Length, err
		}
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		link = r.LinkType()
		next = func() ([]byte, time.Time, int, error) {
			d, ci, err := r.ReadPacketData()
			return d, ci.Timestamp, ci.Length, err
		}
	}
	var frames []Frame
	for {
		d, ts, n, err := next()
		if errors.Is(err, io.EOF) {
			return frames, link, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: packet %d: %w", path, len(frames)+1, err)
		}
		frames = append(frames, Frame{Time: ts, Data: d, OrigLen: n})
	}
}
