package replay

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/capture"
	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
)

// senderTo opens a capture source on spec and a VXLAN sender to it, paced
// at pps (0: unpaced).
func senderTo(t *testing.T, spec string, pps int) (*capture.Source, *Sender) {
	t.Helper()
	src, err := capture.Open(spec)
	require.NoError(t, err)
	t.Cleanup(func() { src.Close() })
	s, err := NewSender(src.LocalAddrs()[0].String(), encap.Header{Format: encap.VXLAN, ID: 5}, pps)
	require.NoError(t, err)
	return src, s
}

func TestSenderBatchesAndFlushes(t *testing.T) {
	src, s := senderTo(t, "vxlan://127.0.0.1:0", 0)
	const n = 200
	for i := 0; i < n; i++ {
		frame := make([]byte, 60)
		frame[12], frame[13] = 0x08, 0x00
		copy(frame[14:], fmt.Sprintf("frame %03d", i))
		require.NoError(t, s.Send(frame))
	}
	// Unpaced, packets leave in whole batches of 64; the rest wait for Close.
	assert.Equal(t, uint64(3*batchSize), s.Sent())
	require.NoError(t, s.Close())
	assert.Equal(t, uint64(n), s.Sent())

	b := capture.NewBatch(64, 64*capture.DefaultSnaplen)
	var got []string
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		b.Reset()
		k, err := src.ReadBatch(b)
		require.NoError(t, err)
		for i := 0; i < k; i++ {
			got = append(got, string(b.Frame(i)[14:23]))
		}
		if k == 0 {
			require.NoError(t, src.Wait(50*time.Millisecond))
		}
	}
	require.Len(t, got, n)
	for i, g := range got {
		assert.Equal(t, fmt.Sprintf("frame %03d", i), g, "order")
	}
}

// Paced, packets keep the rate over the run, and those due together leave in
// one sendmmsg: far fewer calls than packets at a rate above what one sleep
// can resolve.
func TestSenderPacesInBursts(t *testing.T) {
	const n, pps = 4000, 200000
	_, s := senderTo(t, "vxlan://127.0.0.1:0?rcvbuf=8M", pps)
	frame := make([]byte, 60)
	frame[12], frame[13] = 0x08, 0x00
	start := time.Now()
	for i := 0; i < n; i++ {
		require.NoError(t, s.Send(frame))
	}
	require.NoError(t, s.Close())
	assert.GreaterOrEqual(t, time.Since(start), time.Duration(n-1)*time.Second/pps, "rate kept")
	assert.Equal(t, uint64(n), s.Sent())
	assert.Less(t, s.calls, uint64(n/4), "due packets leave together")
}

// Paced slower than packets are made, each packet leaves when sent: none
// waits in the queue for the next one's due time.
func TestSenderPacedSendsEachAtOnce(t *testing.T) {
	_, s := senderTo(t, "vxlan://127.0.0.1:0", 20)
	frame := make([]byte, 60)
	frame[12], frame[13] = 0x08, 0x00
	for i := 0; i < 5; i++ {
		require.NoError(t, s.Send(frame))
		assert.Equal(t, uint64(i+1), s.Sent(), "packet %d sent at once", i)
	}
	require.NoError(t, s.Close())
}

func TestSenderErrors(t *testing.T) {
	_, err := NewSender("127.0.0.1:4789", encap.Header{Format: encap.VXLAN, ID: 1 << 24}, 0)
	assert.ErrorContains(t, err, "exceeds 24 bits")
	_, err = NewSender("not-an-ip", encap.Header{Format: encap.GRE}, 0)
	assert.ErrorContains(t, err, "sends to an IP address")
}
