package capture

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
)

// procUDPDrops is the drops column of /proc/net/udp (or udp6) for the
// socket with inode ino: the kernel's own count, read another way.
func procUDPDrops(t *testing.T, ino uint64) uint64 {
	t.Helper()
	for _, file := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(file)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 13 || fields[9] != strconv.FormatUint(ino, 10) {
				continue
			}
			n, err := strconv.ParseUint(fields[len(fields)-1], 10, 64)
			require.NoError(t, err)
			f.Close()
			return n
		}
		f.Close()
	}
	t.Fatalf("no socket with inode %d in /proc/net/udp or udp6", ino)
	return 0
}

// Under overload the kernel drops datagrams for a full receive buffer.
// The drop count is the socket's own counter, read when Stats is, so it
// equals the kernel's at any moment (before, it came with packets that
// arrived after the drops and lagged), and at the end sent = delivered +
// dropped, exactly.
func TestKernelDropsAreExactUnderOverload(t *testing.T) {
	src, err := Open("vxlan://127.0.0.1:0?rcvbuf=64k")
	require.NoError(t, err)
	defer src.Close()
	sl := src.listeners[0].(*socketListener)
	var st unix.Stat_t
	require.NoError(t, unix.Fstat(sl.m.fd, &st))

	frames := repeatedFrames(t, "inner/smtp.trace", 20000)
	sendAll(t, src.LocalAddrs()[0].String(), encap.Header{Format: encap.VXLAN, ID: 9}, frames)

	// Nothing read yet: no packet has carried a count, the socket has.
	mid := src.Stats()
	require.Greater(t, mid.KernelDrops, uint64(0), "a 64 KiB buffer cannot hold 20 000 datagrams")
	assert.Equal(t, procUDPDrops(t, st.Ino), mid.KernelDrops, "the kernel's count, read while the buffer is full")

	got, _ := collect(t, []*Source{src}, len(frames))
	end := src.Stats()
	assert.Equal(t, procUDPDrops(t, st.Ino), end.KernelDrops)
	assert.Equal(t, uint64(len(got[0])), end.Delivered)
	assert.Equal(t, uint64(len(frames)), end.Delivered+end.KernelDrops, "sent = delivered + dropped, exactly")

	require.NoError(t, src.Close())
	assert.Equal(t, end.KernelDrops, src.Stats().KernelDrops, "the count at close stays readable")
}
