package capture

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
)

// With ring= a receiver thread reads the socket: frames still arrive
// whole and in order, through the ring's descriptor.
func TestRingDeliversWholeAndInOrder(t *testing.T) {
	src, err := Open("vxlan://127.0.0.1:0?ring=4")
	require.NoError(t, err)
	defer src.Close()
	require.NotNil(t, src.rx)
	require.NotEqual(t, src.epfd, src.Fd(), "Zeek sleeps on the ring's eventfd, not the sockets")
	frames := repeatedFrames(t, "inner/smtp.trace", 5000)
	sendAll(t, src.LocalAddrs()[0].String(), encap.Header{Format: encap.VXLAN, ID: 7}, frames)
	got, metas := collect(t, []*Source{src}, len(frames))
	require.Equal(t, frames, got[0])
	for _, m := range metas[0] {
		assert.Equal(t, uint32(7), m.Session)
	}
	st := src.Stats()
	assert.Equal(t, uint64(len(frames)), st.Delivered)
	assert.Zero(t, st.Queued)
}

// While the caller does not read, the ring fills and then the socket: the
// kernel drops, and every packet sent is delivered, queued or dropped,
// exactly, before and after the caller reads.
func TestRingFullLeavesDropsToTheKernel(t *testing.T) {
	src, err := Open("vxlan://127.0.0.1:0?ring=2&rcvbuf=64k")
	require.NoError(t, err)
	defer src.Close()
	frames := repeatedFrames(t, "inner/smtp.trace", 20000)
	sendAll(t, src.LocalAddrs()[0].String(), encap.Header{Format: encap.VXLAN, ID: 9}, frames)

	// The sender is done: once the ring is full the counts stand still.
	var mid Stats
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		mid = src.Stats()
		time.Sleep(50 * time.Millisecond)
		if src.Stats() == mid && len(src.rx.free) == 0 {
			break
		}
	}
	require.Zero(t, len(src.rx.free), "both batches wait in the ring")
	assert.Greater(t, mid.Queued, uint64(0))
	assert.LessOrEqual(t, mid.Queued, uint64(2*ringPackets))
	assert.Zero(t, mid.Delivered, "nothing is delivered before the caller reads")
	require.Greater(t, mid.KernelDrops, uint64(0), "a 64 KiB buffer behind a full ring cannot hold 20 000 datagrams")
	assert.Equal(t, mid.Received, mid.Queued, "what the thread read waits in the ring")

	got, _ := collect(t, []*Source{src}, len(frames))
	end := src.Stats()
	assert.Zero(t, end.Queued)
	assert.Equal(t, uint64(len(got[0])), end.Delivered)
	assert.Equal(t, uint64(len(frames)), end.Delivered+end.KernelDrops, "sent = delivered + dropped, exactly")
	assert.True(t, inOrder(got[0], frames), "what arrives keeps the order it was sent in")
}

// Closing with packets in the ring stops the thread; they stay counted as
// queued.
func TestRingCloseKeepsTheQueuedCount(t *testing.T) {
	src, err := Open("vxlan://127.0.0.1:0?ring=1")
	require.NoError(t, err)
	inner := innerFrames(t, "inner/smtp.trace")
	sendAll(t, src.LocalAddrs()[0].String(), encap.Header{Format: encap.VXLAN, ID: 9}, inner)
	for deadline := time.Now().Add(5 * time.Second); src.Stats().Queued == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, src.Close())
	st := src.Stats()
	assert.Greater(t, st.Queued, uint64(0))
	assert.Equal(t, st.Received, st.Delivered+st.Queued)
}

func TestRingOptionIsChecked(t *testing.T) {
	_, err := Open("vxlan://127.0.0.1:0?ring=2000")
	assert.ErrorContains(t, err, "ring")
	assert.ErrorContains(t, err, "0..1024")
	_, err = ParseSpec("file:///x.pcap?ring=4")
	assert.ErrorContains(t, err, "live listeners only")
}

// inOrder says whether got is a subsequence of sent: the kernel may drop
// any of them, but none comes out of order.
func inOrder(got, sent [][]byte) bool {
	i := 0
	for _, g := range got {
		for i < len(sent) && !bytes.Equal(sent[i], g) {
			i++
		}
		if i == len(sent) {
			return false
		}
		i++
	}
	return true
}
