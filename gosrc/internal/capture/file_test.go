package capture

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/decap"
	"github.com/cloudtap/cloudtap/gosrc/flowhash"
	"github.com/cloudtap/cloudtap/gosrc/internal/traces"
)

// drain reads a file source to its end in small batches, so that batches
// fill up and pending frames carry over.
func drain(t *testing.T, spec string) ([][]byte, []Meta, Stats) {
	t.Helper()
	src, err := Open(spec)
	require.NoError(t, err)
	defer src.Close()
	assert.False(t, src.Live())
	assert.Equal(t, -1, src.Fd())
	b := NewBatch(3, 4096)
	var frames [][]byte
	var metas []Meta
	for {
		b.Reset()
		n, err := src.ReadBatch(b)
		for i := 0; i < n; i++ {
			frames = append(frames, append([]byte(nil), b.Frame(i)...))
			metas = append(metas, b.Meta[i])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.NotZero(t, n, "a file source returned nothing before its end")
	}
	return frames, metas, src.Stats()
}

func TestFileSourceMatchesDecoder(t *testing.T) {
	dec, err := decap.NewDecoder(decap.DefaultConfig())
	require.NoError(t, err)
	for _, name := range []string{"vxlan-encapsulated-http.pcap", "geneve-truncated.pcap", "geneve-vxlan-dns-truncated.pcap", "erspanII.pcap", "gre-erspan3-dot1q.pcap", "gre-sample.pcap"} {
		t.Run(name, func(t *testing.T) {
			want, link := traces.Read(t, name)
			got, metas, st := drain(t, "file://"+traces.Path(t, name))
			var p decap.Packet
			k := 0
			malformed := 0
			for _, f := range want {
				if err := dec.DecodeFrame(f.Data, decap.LinkType(link), &p); err != nil {
					malformed++
					continue
				}
				require.Less(t, k, len(got))
				if len(p.Inner) > 4096 { // larger than the test's whole batch: truncated
					assert.Equal(t, p.Inner[:4096], got[k])
				} else {
					assert.Equal(t, p.Inner, got[k])
				}
				m := metas[k]
				assert.Equal(t, f.Time.UnixNano(), m.Time)
				assert.Equal(t, uint32(f.OrigLen-p.InnerOffset), m.OrigLen)
				assert.Equal(t, p.InnerLink, m.Link)
				id, ok := p.Session()
				assert.Equal(t, id, m.Session)
				assert.Equal(t, ok, m.HasSession)
				k++
			}
			assert.Equal(t, len(got), k)
			assert.Equal(t, uint64(len(want)), st.Received)
			assert.Equal(t, uint64(k), st.Delivered)
			assert.Equal(t, uint64(malformed), st.Malformed)
		})
	}
}

func TestFileSourceFilters(t *testing.T) {
	path := "file://" + traces.Path(t, "vxlan.pcap")
	// vxlan.pcap runs between 192.168.56.11 and .12, VNI 123.
	got, _, st := drain(t, path+"?allow=192.168.56.11/32")
	assert.NotEmpty(t, got)
	assert.Equal(t, st.Received, st.Delivered+st.Refused)
	assert.NotZero(t, st.Refused)

	got, _, st = drain(t, path+"?vni=124")
	assert.Empty(t, got)
	assert.Equal(t, uint64(10), st.OtherSession)
	got, _, _ = drain(t, path+"?vni=123")
	assert.Len(t, got, 10)

	_, _, st = drain(t, "file://"+traces.Path(t, "geneve-truncated.pcap"))
	assert.Equal(t, uint64(1), st.ByReason[decap.ReasonTruncatedInner])
}

func TestFileWorkersSplitFlowsWhole(t *testing.T) {
	// GRE sample traffic: many ICMP and TCP flows in both directions.
	path := "file://" + traces.Path(t, "gre-sample.pcap")
	all, _, _ := drain(t, path)
	const n = 3
	total := 0
	owner := map[uint32]int{}
	for w := 0; w < n; w++ {
		got, metas, st := drain(t, path+"?workers=3&worker="+string(rune('0'+w)))
		total += len(got)
		assert.Equal(t, st.Received, st.Delivered+st.OtherWorker)
		for i, f := range got {
			h := flowhash.Hash(f, metas[i].Link)
			if prev, seen := owner[h]; seen {
				require.Equal(t, prev, w, "a flow was split between workers %d and %d", prev, w)
			}
			owner[h] = w
		}
	}
	assert.Equal(t, len(all), total, "the workers' shares do not add up to the whole")
}
