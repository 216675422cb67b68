package capture

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/flowhash"
	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/replay"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// collect reads from live sources until want packets arrived or, after
// traffic stops, a quiet second passed.
func collect(t *testing.T, srcs []*Source, want int) ([][][]byte, [][]Meta) {
	t.Helper()
	frames := make([][][]byte, len(srcs))
	metas := make([][]Meta, len(srcs))
	b := NewBatch(64, 64*DefaultSnaplen)
	got := 0
	quiet := time.Now()
	for got < want && time.Since(quiet) < time.Second {
		progress := false
		for i, s := range srcs {
			b.Reset()
			n, err := s.ReadBatch(b)
			require.NoError(t, err)
			for k := 0; k < n; k++ {
				frames[i] = append(frames[i], append([]byte(nil), b.Frame(k)...))
				metas[i] = append(metas[i], b.Meta[k])
			}
			got += n
			progress = progress || n > 0
		}
		if progress {
			quiet = time.Now()
		} else {
			require.NoError(t, srcs[0].Wait(20*time.Millisecond))
		}
	}
	return frames, metas
}

func innerFrames(t *testing.T, name string) [][]byte {
	frames, _ := traces.Read(t, name)
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = f.Data
	}
	return out
}

// repeatedFrames is the trace's frames over and over, n of them: a load
// larger than a small socket buffer.
func repeatedFrames(t *testing.T, name string, n int) [][]byte {
	inner := innerFrames(t, name)
	var frames [][]byte
	for len(frames) < n {
		frames = append(frames, inner...)
	}
	return frames[:n]
}

func sendAll(t *testing.T, to string, h encap.Header, frames [][]byte) {
	t.Helper()
	s, err := replay.NewSender(to, h, 0)
	require.NoError(t, err)
	defer s.Close()
	for _, f := range frames {
		require.NoError(t, s.Send(f))
	}
}

func TestUDPListenersReceiveTunnels(t *testing.T) {
	inner := innerFrames(t, "inner/smtp.trace")
	for _, tc := range []struct {
		spec string
		h    encap.Header
		enc  decap.Encap
	}{
		{"vxlan://127.0.0.1:0", encap.Header{Format: encap.VXLAN, ID: 4242}, decap.EncapVXLAN},
		{"geneve://[::1]:0", encap.Header{Format: encap.GENEVE, ID: 77, Options: make([]byte, 8)}, decap.EncapGENEVE},
		{"vxlan://:0", encap.Header{Format: encap.VXLAN, ID: 5}, decap.EncapVXLAN},                            // dual-stack
		{"greudp://127.0.0.1:0", encap.Header{Format: encap.GREUDP, ID: 31337, HasKey: true}, decap.EncapGRE}, // RFC 8086
	} {
		t.Run(tc.spec, func(t *testing.T) {
			src, err := Open(tc.spec)
			require.NoError(t, err)
			defer src.Close()
			require.True(t, src.Live())
			require.GreaterOrEqual(t, src.Fd(), 0)
			local := src.LocalAddrs()[0]
			to := local.String()
			if local.Addr().IsUnspecified() {
				to = fmt.Sprintf("127.0.0.1:%d", local.Port())
			}
			before := time.Now().UnixNano()
			sendAll(t, to, tc.h, inner)
			frames, metas := collect(t, []*Source{src}, len(inner))
			require.Equal(t, inner, frames[0], "frames must arrive whole and in order")
			for _, m := range metas[0] {
				assert.Equal(t, tc.h.ID, m.Session)
				assert.Equal(t, tc.enc, m.Encap)
				assert.GreaterOrEqual(t, m.Time, before, "kernel timestamp before sending started")
				assert.Less(t, m.Time, time.Now().UnixNano())
			}
			st := src.Stats()
			assert.Equal(t, uint64(len(inner)), st.Received)
			assert.Equal(t, uint64(len(inner)), st.Delivered)
		})
	}
}

func TestUDPAllowlistAndSessions(t *testing.T) {
	src, err := Open("vxlan://127.0.0.1:0?allow=10.0.0.0/8")
	require.NoError(t, err)
	defer src.Close()
	inner := innerFrames(t, "inner/dns53.pcap")
	sendAll(t, src.LocalAddrs()[0].String(), encap.Header{Format: encap.VXLAN, ID: 1}, inner)
	frames, _ := collect(t, []*Source{src}, 1)
	assert.Empty(t, frames[0], "a source outside the allowlist got through")
	assert.Equal(t, uint64(len(inner)), src.Stats().Refused)

	src2, err := Open("vxlan://127.0.0.1:0?allow=127.0.0.0/8&vni=9")
	require.NoError(t, err)
	defer src2.Close()
	to := src2.LocalAddrs()[0].String()
	sendAll(t, to, encap.Header{Format: encap.VXLAN, ID: 8}, inner)
	sendAll(t, to, encap.Header{Format: encap.VXLAN, ID: 9}, inner)
	frames, metas := collect(t, []*Source{src2}, 2*len(inner))
	assert.Len(t, frames[0], len(inner))
	for _, m := range metas[0] {
		assert.Equal(t, uint32(9), m.Session)
	}
	assert.Equal(t, uint64(len(inner)), src2.Stats().OtherSession)
}

func TestMalformedUDPIsCounted(t *testing.T) {
	src, err := Open("geneve://127.0.0.1:0")
	require.NoError(t, err)
	defer src.Close()
	// VXLAN sent to a GENEVE port: the GENEVE parser sees version 0 flags
	// 0x08 ... and a protocol it does not carry.
	sendAll(t, src.LocalAddrs()[0].String(), encap.Header{Format: encap.VXLAN, ID: 1}, innerFrames(t, "inner/dns53.pcap"))
	frames, _ := collect(t, []*Source{src}, 1)
	assert.Empty(t, frames[0])
	st := src.Stats()
	assert.Equal(t, uint64(1), st.Malformed)
	assert.Equal(t, uint64(1), st.ByReason[decap.ReasonGENEVEProtocol])
}

func TestReuseportKeepsFlowsWhole(t *testing.T) {
	for _, f := range []encap.Format{encap.VXLAN, encap.GREUDP} {
		t.Run(f.String(), func(t *testing.T) { reuseportKeepsFlowsWhole(t, f) })
	}
}

func reuseportKeepsFlowsWhole(t *testing.T, format encap.Format) {
	// Reserve a free port, then build the group on it.
	probe, err := Open(format.String() + "://127.0.0.1:0")
	require.NoError(t, err)
	port := probe.LocalAddrs()[0].Port()
	require.NoError(t, probe.Close())

	const n = 3
	var srcs []*Source
	for i := 0; i < n; i++ {
		s, err := Open(fmt.Sprintf("%v://127.0.0.1:%d?workers=%d&worker=%d", format, port, n, i))
		require.NoError(t, err)
		defer s.Close()
		srcs = append(srcs, s)
	}
	var inner [][]byte
	for _, name := range []string{"inner/206_example_b.pcap", "inner/ssh.trace", "inner/smtp.trace"} {
		inner = append(inner, innerFrames(t, name)...)
	}
	// Vary the outer source port per packet, as some mirrors do: the steering
	// must follow the inner flow, not the outer headers.
	to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String()
	for _, f := range inner {
		s, err := replay.NewSender(to, encap.Header{Format: format, ID: 1, HasKey: format == encap.GREUDP}, 0)
		require.NoError(t, err)
		require.NoError(t, s.Send(f))
		require.NoError(t, s.Close())
	}
	frames, _ := collect(t, srcs, len(inner))
	owner := map[uint32]int{}
	total := 0
	for w := range frames {
		assert.NotEmpty(t, frames[w], "worker %d got nothing", w)
		for _, f := range frames[w] {
			h := flowhash.Hash(f, decap.LinkEthernet)
			if prev, ok := owner[h]; ok {
				require.Equal(t, prev, w, "a flow reached two sockets")
			}
			owner[h] = w
		}
		total += len(frames[w])
	}
	var drops uint64
	for _, s := range srcs {
		drops += s.Stats().KernelDrops
	}
	assert.Zero(t, drops)
	assert.Equal(t, len(inner), total)
}
