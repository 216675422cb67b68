package capture

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/encap"
	"github.com/cloudtap/cloudtap/gosrc/internal/samples"
)

// doublyMirrored is the samples' traffic as a cloud mirroring both ends
// sends it: each frame from the sender's mirror session (42) and again,
// one router later (TTL one less, other MACs), from the receiver's (43).
func doublyMirrored(t *testing.T) (plain []samples.Frame, path string) {
	plain = samples.Plain()
	var out []samples.Frame
	for _, f := range plain {
		for _, session := range []uint32{42, 43} {
			inner := append([]byte(nil), f.Data...)
			if session == 43 {
				inner[5] ^= 0x80 // the router's MACs
				inner[11] ^= 0x80
				if binary.BigEndian.Uint16(inner[12:14]) == 0x0800 {
					inner[14+8]--  // TTL
					inner[14+10]++ // the checksum, as the router rewrites it
				}
			}
			data, err := encap.Frame(encap.Outer{Src: samples.MirrorSource, Dst: samples.Sensor, SrcPort: 50000},
				&encap.Header{Format: encap.VXLAN, ID: session}, inner)
			require.NoError(t, err)
			out = append(out, samples.Frame{Time: f.Time, Data: data, OrigLen: len(data)})
		}
	}
	path = filepath.Join(t.TempDir(), "double.pcap")
	require.NoError(t, samples.WritePcap(path, out))
	return plain, path
}

func TestDedupKeepsOneCopyOfEachPacket(t *testing.T) {
	plain, path := doublyMirrored(t)

	got, metas, st := drain(t, "file://"+path+"?dedup=2ms")
	require.Len(t, got, len(plain))
	for i := range plain {
		assert.Equal(t, plain[i].Data, got[i], "frame %d: the first copy", i+1)
		assert.Equal(t, uint32(42), metas[i].Session)
	}
	assert.Equal(t, uint64(len(plain)), st.Duplicates)
	assert.Equal(t, st.Received, st.Delivered+st.Duplicates)

	got, _, st = drain(t, "file://"+path)
	assert.Len(t, got, 2*len(plain), "without dedup= both copies are delivered")
	assert.Zero(t, st.Duplicates)
}

func TestDedupWindowIsChecked(t *testing.T) {
	for _, bad := range []string{"2s", "-1ms", "2"} {
		_, err := ParseSpec("vxlan://:4789?dedup=" + bad)
		assert.Error(t, err, "dedup=%s", bad)
	}
	ls, err := ParseSpec("vxlan://:4789?dedup=2ms")
	require.NoError(t, err)
	assert.Equal(t, "2ms", ls[0].Filter.Dedup.String())
}
