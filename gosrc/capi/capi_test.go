package main

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/replay"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// buildDemo builds libcloudtap.a and the C program against its generated
// header, as the plugin's build does.
func buildDemo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler (cc) on PATH: the C API test needs one")
	}
	dir := t.TempDir()
	wd, err := os.Getwd()
	require.NoError(t, err)
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s %s\n%s", name, strings.Join(args, " "), out)
	}
	run("go", "build", "-buildmode=c-archive", "-o", filepath.Join(dir, "libcloudtap.a"), ".")
	bin := filepath.Join(dir, "srcdemo")
	run("cc", "-Wall", "-Werror", "-O1", "-I", dir, "-I", wd, "-o", bin, filepath.Join(wd, "testdata", "srcdemo.c"),
		filepath.Join(dir, "libcloudtap.a"), "-lpthread")
	return bin
}

// goLines renders what the Go capture API reads from spec in srcdemo's format.
func goLines(t *testing.T, spec string) []string {
	src, err := capture.Open(spec)
	require.NoError(t, err)
	defer src.Close()
	b := capture.NewBatch(32, 32*capture.DefaultSnaplen)
	var lines []string
	for {
		b.Reset()
		n, err := src.ReadBatch(b)
		for i := 0; i < n; i++ {
			m := b.Meta[i]
			h := fnv.New64a()
			h.Write(b.Frame(i))
			has := 0
			if m.HasSession {
				has = 1
			}
			lines = append(lines, fmt.Sprintf("%d %d %d %d %d %d %d %d", m.Time, m.CapLen, m.OrigLen, m.Link, m.Encap, has, m.Session, h.Sum64()))
		}
		if errors.Is(err, io.EOF) {
			return lines
		}
		require.NoError(t, err)
	}
}

func TestCProgramReadsFiles(t *testing.T) {
	bin := buildDemo(t)
	for _, name := range []string{"vxlan-encapsulated-http.pcap", "geneve-many-options.pcap", "erspanII.pcap", "gre-erspan3-dot1q.pcap"} {
		spec := "file://" + traces.Path(t, name)
		out, err := exec.Command(bin, spec, "100000", "10000").CombinedOutput()
		require.NoError(t, err, "%s", out)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.Equal(t, "ready live=0 fd=0", lines[0])
		want := goLines(t, spec)
		require.NotEmpty(t, lines[1:len(lines)-1], name)
		assert.Equal(t, want, lines[1:len(lines)-1], name)
		assert.True(t, strings.HasPrefix(lines[len(lines)-1], "stats "), name)
	}
	// The truncated GENEVE capture delivers nothing and counts one malformed packet.
	out, err := exec.Command(bin, "file://"+traces.Path(t, "geneve-truncated.pcap"), "10", "10000").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "ready live=0 fd=0\nstats 1 0 0 1 0\n", string(out))

	out, err = exec.Command(bin, "vxlan://:99999", "1", "100").CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), `open: capture: spec "vxlan://:99999": bad port "99999"`)
}

func TestCProgramReceivesLiveVXLAN(t *testing.T) {
	bin := buildDemo(t)
	probe, err := capture.Open("vxlan://127.0.0.1:0")
	require.NoError(t, err)
	port := probe.LocalAddrs()[0].Port()
	require.NoError(t, probe.Close())

	frames, _ := traces.Read(t, "inner/ssh.trace")
	cmd := exec.Command(bin, fmt.Sprintf("vxlan://127.0.0.1:%d?vni=7", port), fmt.Sprint(len(frames)), "20000")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan())
	require.Equal(t, "ready live=1 fd=1", sc.Text())

	s, err := replay.NewSender(fmt.Sprintf("127.0.0.1:%d", port), encap.Header{Format: encap.VXLAN, ID: 6}, 0)
	require.NoError(t, err)
	require.NoError(t, s.Send(frames[0].Data)) // another session: filtered
	s.Close()
	s, err = replay.NewSender(fmt.Sprintf("127.0.0.1:%d", port), encap.Header{Format: encap.VXLAN, ID: 7}, 0)
	require.NoError(t, err)
	start := time.Now().UnixNano()
	for _, f := range frames {
		require.NoError(t, s.Send(f.Data))
	}
	s.Close()

	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	require.NoError(t, cmd.Wait())
	require.Len(t, got, len(frames)+1)
	for i, f := range frames {
		var ts int64
		var caplen, length, link, enc, has, sess uint32
		var sum uint64
		_, err := fmt.Sscanf(got[i], "%d %d %d %d %d %d %d %d", &ts, &caplen, &length, &link, &enc, &has, &sess, &sum)
		require.NoError(t, err, got[i])
		h := fnv.New64a()
		h.Write(f.Data)
		require.Equal(t, h.Sum64(), sum, "packet %d differs", i)
		assert.Equal(t, uint32(len(f.Data)), caplen)
		assert.Equal(t, uint32(7), sess)
		assert.Equal(t, uint32(1), enc)
		assert.GreaterOrEqual(t, ts, start)
	}
	assert.Equal(t, fmt.Sprintf("stats %d %d 0 0 0", len(frames)+1, len(frames)), got[len(frames)])
}
