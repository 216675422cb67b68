package capture

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/internal/samples"
)

// A file of fragmented tunnel packets gives the inner frames of the same
// capture unfragmented, in order, each with the length and time of its
// datagram, and every fragment is accounted for.
func TestFileSourceReassemblesFragmentedTunnels(t *testing.T) {
	plain := samples.Plain()
	dir := t.TempDir()
	for _, m := range samples.FragmentedMirrors {
		t.Run(m.Name, func(t *testing.T) {
			frames, err := samples.MirroredFragmented(plain, m)
			require.NoError(t, err)
			require.Greater(t, len(frames), len(plain), "nothing was fragmented")
			path := filepath.Join(dir, m.Name+".pcap")
			require.NoError(t, samples.WritePcap(path, frames))

			got, metas, st := drain(t, "file://"+path)
			require.Len(t, got, len(plain))
			for i := range plain {
				assert.Equal(t, plain[i].Data, got[i], "frame %d", i+1)
				assert.Equal(t, plain[i].Time.UnixNano(), metas[i].Time, "frame %d", i+1)
				assert.Equal(t, uint32(len(plain[i].Data)), metas[i].OrigLen, "frame %d", i+1)
				assert.Equal(t, uint32(samples.Session), metas[i].Session)
			}
			assert.Equal(t, uint64(len(frames)), st.Received)
			assert.Equal(t, uint64(len(plain)), st.Delivered)
			assert.Equal(t, uint64(len(frames)-len(plain)), st.Reassembled)
			assert.Zero(t, st.FragmentsHeld)
			assert.Zero(t, st.Malformed)
		})
	}
}

// Fragments that never complete are counted as timed out once the file
// ends; those from a source outside allow= are refused before they take
// memory.
func TestFileSourceCountsFragmentsItCannotReassemble(t *testing.T) {
	m := samples.FragmentedMirrors[1]
	frames, err := samples.MirroredFragmented(samples.Plain(), m)
	require.NoError(t, err)
	// Leave out the last fragment of the capture's first fragmented datagram.
	var cut []samples.Frame
	dropped := -1
	for i, f := range frames {
		if dropped < 0 && i > 0 && frames[i-1].Time.Equal(f.Time) && (i+1 == len(frames) || !frames[i+1].Time.Equal(f.Time)) {
			dropped = i
			continue
		}
		cut = append(cut, f)
	}
	require.Positive(t, dropped)
	path := filepath.Join(t.TempDir(), "cut.pcap")
	require.NoError(t, samples.WritePcap(path, cut))

	_, _, st := drain(t, "file://"+path)
	timedOut := st.ByReason[decap.ReasonFragmentTimeout]
	assert.Positive(t, timedOut)
	assert.Equal(t, st.Malformed, timedOut)
	assert.Equal(t, st.Received, st.Delivered+st.Reassembled+st.Malformed+st.FragmentsHeld)

	_, _, st = drain(t, "file://"+path+"?allow=192.0.2.0/24")
	assert.Zero(t, st.Delivered)
	assert.Equal(t, st.Received, st.Refused)
}

func TestFragOptionsAreForFilesOnly(t *testing.T) {
	_, err := ParseSpec("vxlan://:4789?frag-memory=1MiB")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "applies to file:// only")
	ls, err := ParseSpec("file:///x.pcap?frag-memory=1MiB&frag-timeout=5s")
	require.NoError(t, err)
	assert.Equal(t, 1<<20, ls[0].Reassembly.Memory)
	assert.Equal(t, "5s", ls[0].Reassembly.Timeout.String())
}
