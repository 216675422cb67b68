package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/pcapread"
)

// TestKernelVXLANFromNamespace has the Linux kernel itself do the mirroring:
// in a "mirror" namespace a VXLAN device (VNI 42) encapsulates UDP datagrams
// towards a "sensor" namespace, where the real cloudtap binary listens. Both
// namespaces, the veth between them and their addresses are made by the
// test and removed after it; no traffic leaves them.
func TestKernelVXLANFromNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root: skipped")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2 (ip) is not installed: skipped")
	}
	mirror, sensor := fmt.Sprintf("ctm%d", os.Getpid()), fmt.Sprintf("cts%d", os.Getpid())
	sh := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	t.Cleanup(func() {
		_ = sh("netns", "del", mirror)
		_ = sh("netns", "del", sensor)
	})
	vethM, vethS := "vm"+mirror[3:], "vs"+sensor[3:]
	// IPv6 off in the mirror namespace: otherwise the kernel's neighbour
	// discovery and MLD on vx42 are mirrored too, ahead of the test's frames.
	disableIPv6 := func() error {
		out, err := exec.Command("ip", "netns", "exec", mirror, "sysctl", "-q", "-w",
			"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").CombinedOutput()
		if err != nil {
			return fmt.Errorf("sysctl in %s: %v: %s", mirror, err, out)
		}
		return nil
	}
	for _, args := range [][]string{
		{"netns", "add", mirror}, {"netns", "add", sensor}, {"sysctl"},
		{"link", "add", vethM, "type", "veth", "peer", "name", vethS},
		{"link", "set", vethM, "netns", mirror}, {"link", "set", vethS, "netns", sensor},
		{"-n", mirror, "addr", "add", "10.200.0.1/30", "dev", vethM},
		{"-n", sensor, "addr", "add", "10.200.0.2/30", "dev", vethS},
		{"-n", mirror, "link", "set", vethM, "up"}, {"-n", sensor, "link", "set", vethS, "up"},
		{"-n", sensor, "link", "set", "lo", "up"},
		{"-n", mirror, "link", "add", "vx42", "type", "vxlan", "id", "42", "remote", "10.200.0.2", "dstport", "4789", "dev", vethM},
		{"-n", mirror, "addr", "add", "172.31.42.1/24", "dev", "vx42"},
		{"-n", mirror, "link", "set", "vx42", "up"},
		// A static neighbour, so the kernel sends the datagrams at once
		// instead of waiting on ARP that nobody answers.
		{"-n", mirror, "neigh", "add", "172.31.42.2", "lladdr", "02:00:00:00:00:42", "dev", "vx42"},
	} {
		run := sh
		if args[0] == "sysctl" {
			run = func(...string) error { return disableIPv6() }
		}
		if err := run(args...); err != nil {
			if strings.Contains(err.Error(), "Operation not permitted") {
				t.Skipf("this sandbox does not allow network namespaces: %v", err)
			}
			require.NoError(t, err)
		}
	}

	bin := filepath.Join(t.TempDir(), "cloudtap")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	pcap := filepath.Join(t.TempDir(), "inner.pcap")
	listen := exec.Command("ip", "netns", "exec", sensor, bin, "listen",
		"vxlan://10.200.0.2:4789?vni=42&allow=10.200.0.1", "--write", pcap, "--count", "3")
	var stderr strings.Builder
	listen.Stderr = &stderr
	require.NoError(t, listen.Start())
	time.Sleep(300 * time.Millisecond)
	send := exec.Command("ip", "netns", "exec", mirror, "bash", "-c",
		"for i in 1 2 3; do echo hello$i > /dev/udp/172.31.42.2/9999; done")
	out, err = send.CombinedOutput()
	require.NoError(t, err, "%s", out)

	done := make(chan error, 1)
	go func() { done <- listen.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, stderr.String())
	case <-time.After(10 * time.Second):
		_ = listen.Process.Kill()
		t.Fatalf("listen did not get 3 frames from kernel VXLAN in 10 s: %s", stderr.String())
	}
	assert.Contains(t, stderr.String(), "received 3 tunnel packets, wrote 3 inner frames")

	frames, err := pcapread.Ethernet(pcap)
	require.NoError(t, err)
	require.Len(t, frames, 3)
	for i, f := range frames {
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		assert.Equal(t, "02:00:00:00:00:42", eth.DstMAC.String())
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		require.True(t, ok, "frame %d is not UDP", i)
		assert.Equal(t, layers.UDPPort(9999), udp.DstPort)
		assert.Equal(t, fmt.Sprintf("hello%d\n", i+1), string(udp.Payload))
	}
}
