package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

func runCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDecapWritesInnerFrames(t *testing.T) {
	out := filepath.Join(t.TempDir(), "inner.pcap")
	code, _, stderr := runCmd("decap", "--read", traces.Path(t, "vxlan-encapsulated-http.pcap"), "--write", out)
	require.Equal(t, 0, code, stderr)
	got, err := pcapread.Ethernet(out)
	require.NoError(t, err)

	dec, _ := decap.NewDecoder(decap.DefaultConfig())
	in, link := traces.Read(t, "vxlan-encapsulated-http.pcap")
	require.Len(t, got, len(in))
	var p decap.Packet
	for i, f := range in {
		require.NoError(t, dec.DecodeFrame(f.Data, decap.LinkType(link), &p))
		assert.Equal(t, p.Inner, got[i])
	}

	code, _, stderr = runCmd("decap", "--read", traces.Path(t, "vxlan-encapsulated-http.pcap"), "--write", out, "--vni", "2")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "wrote 0 inner frames")
	assert.Contains(t, stderr, "other session 12")
}

func TestDecapGivesRawIPAnEthernetHeader(t *testing.T) {
	out := filepath.Join(t.TempDir(), "inner.pcap")
	code, _, stderr := runCmd("decap", "--read", traces.Path(t, "gre-sample.pcap"), "--write", out)
	require.Equal(t, 0, code, stderr)
	got, err := pcapread.Ethernet(out)
	require.NoError(t, err)
	require.Len(t, got, 40)
	for _, f := range got {
		assert.Equal(t, []byte{0x08, 0x00}, f[12:14])
		assert.Equal(t, byte(0x45), f[14])
	}
}

func freePort(t *testing.T) uint16 {
	src, err := capture.Open("vxlan://127.0.0.1:0")
	require.NoError(t, err)
	defer src.Close()
	return src.LocalAddrs()[0].Port()
}

// TestReplayIntoListen is the mirror and the sensor on one machine: replay
// wraps a real capture in each tunnel, listen strips it, and the frames
// written are the frames sent.
func TestReplayIntoListen(t *testing.T) {
	input := traces.Path(t, "inner/smtp.trace")
	want, err := pcapread.Ethernet(input)
	require.NoError(t, err)
	for _, enc := range []string{"vxlan", "geneve", "gre", "erspan1", "erspan2", "erspan3"} {
		t.Run(enc, func(t *testing.T) {
			var spec, to string
			switch enc {
			case "vxlan", "geneve":
				port := freePort(t)
				spec, to = fmt.Sprintf("%s://127.0.0.1:%d?vni=77", enc, port), fmt.Sprintf("127.0.0.1:%d", port)
			default:
				if os.Geteuid() != 0 {
					t.Skip("GRE and ERSPAN use raw IP sockets, which need root: skipped")
				}
				spec, to = "gre://127.0.0.1", "127.0.0.1"
				if enc != "gre" && enc != "erspan1" {
					spec += "?vni=77"
				}
			}
			out := filepath.Join(t.TempDir(), "inner.pcap")
			done := make(chan string, 1)
			go func() {
				code, _, stderr := runCmd("listen", spec, "--write", out, "--count", fmt.Sprint(len(want)))
				done <- fmt.Sprintf("%d %s", code, stderr)
			}()
			time.Sleep(300 * time.Millisecond) // let listen bind
			code, _, stderr := runCmd("replay", "--read", input, "--encap", enc, "--to", to, "--vni", "77")
			require.Equal(t, 0, code, stderr)
			select {
			case res := <-done:
				require.Equal(t, fmt.Sprintf("0 received %d tunnel packets, wrote %d inner frames", len(want), len(want)), res[:len(res)-len(res[strings.Index(res, ";"):])])
			case <-time.After(10 * time.Second):
				t.Fatal("listen did not receive every packet in 10 s")
			}
			got, err := pcapread.Ethernet(out)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{}, 2, ""},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"decap", "--read", "x.pcap"}, 2, "--read and --write are required"},
		{[]string{"decap", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"listen", "--write", "x.pcap"}, 2, "want one source spec"},
		{[]string{"listen", "udp://:1", "--write", "/tmp/x.pcap"}, 2, `unknown scheme "udp"`},
		{[]string{"replay", "--read", "x", "--to", "127.0.0.1", "--encap", "ipip"}, 2, `unknown encapsulation "ipip"`},
		{[]string{"replay", "--read", "x", "--to", "127.0.0.1:4789", "--vni", "99999999"}, 2, "VNI 99999999 exceeds 24 bits"},
		{[]string{"replay", "--read", "/nonexistent.pcap", "--to", "127.0.0.1:4789"}, 1, "no such file"},
	} {
		code, _, stderr := runCmd(tc.args...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.msg, "%v", tc.args)
	}
	code, stdout, _ := runCmd("--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "replay")
	for name := range commands {
		code, _, stderr := runCmd(name, "--help")
		assert.Equal(t, 0, code, name)
		assert.Contains(t, stderr, "usage: cloudtap "+name, name)
	}
}

// TestReplayAsIs resends a capture of mirrored traffic as live tunnel
// traffic: what listen receives equals what decap reads from the file.
func TestReplayAsIs(t *testing.T) {
	trace := traces.Path(t, "vxlan-encapsulated-http.pcap")
	dir := t.TempDir()
	code, _, stderr := runCmd("decap", "--read", trace, "--write", filepath.Join(dir, "decap.pcap"))
	require.Equal(t, 0, code, stderr)
	want, err := pcapread.Ethernet(filepath.Join(dir, "decap.pcap"))
	require.NoError(t, err)
	require.NotEmpty(t, want)

	port := freePort(t)
	done := make(chan string, 1)
	go func() {
		code, _, stderr := runCmd("listen", fmt.Sprintf("vxlan://127.0.0.1:%d?vni=1", port), "--write", filepath.Join(dir, "live.pcap"), "--count", fmt.Sprint(len(want)))
		done <- fmt.Sprintf("%d %s", code, stderr)
	}()
	time.Sleep(300 * time.Millisecond)
	code, _, stderr = runCmd("replay", "--as-is", "--read", trace, "--encap", "vxlan", "--to", fmt.Sprintf("127.0.0.1:%d", port))
	require.Equal(t, 0, code, stderr)
	select {
	case res := <-done:
		require.True(t, strings.HasPrefix(res, "0 "), res)
	case <-time.After(10 * time.Second):
		t.Fatal("listen did not receive the resent capture")
	}
	got, err := pcapread.Ethernet(filepath.Join(dir, "live.pcap"))
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// A capture with no tunnel in it: everything is skipped, and said so.
	code, _, stderr = runCmd("replay", "--as-is", "--read", traces.Path(t, "inner/dns53.pcap"), "--encap", "gre", "--to", "127.0.0.1")
	if code == 0 {
		assert.Contains(t, stderr, "skipped 1 packets that carry no gre tunnel")
	}
}
