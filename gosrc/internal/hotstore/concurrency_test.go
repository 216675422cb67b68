package hotstore

import (
	"fmt"
	"sync"
	"testing"

	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Zeek calls the writer from several threads at once. Each caller's
// records must keep their order, and nothing may be lost or doubled.
func TestConcurrentWritersKeepEachCallersOrder(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	w := newTestWriter(t, testConfig(t, srv, "", ""))
	paths := map[string]*Stream{"conn": openStream(t, w, "conn"), "dns": openStream(t, w, "dns")}

	const callers, perCaller, batchSize = 3, 4000, 50
	var wg sync.WaitGroup
	for path, s := range paths {
		for c := range callers {
			wg.Go(func() {
				for i := 0; i < perCaller; i += batchSize {
					batch := make([][]byte, batchSize)
					for j := range batch {
						batch[j] = fmt.Appendf(nil, `{"caller":%d,"i":%d}`, c, i+j)
					}
					if err := s.Write(batch); err != nil {
						t.Errorf("%s caller %d: %v", path, c, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	flush(t, w)

	conn := srv.Conn(t)
	for path, s := range paths {
		got := streamJSON(t, conn, s.Key())
		require.Len(t, got, callers*perCaller, path)
		next := make([]int, callers)
		for _, rec := range got {
			var c, i int
			_, err := fmt.Sscanf(rec, `{"caller":%d,"i":%d}`, &c, &i)
			require.NoError(t, err, rec)
			require.Equal(t, next[c], i, "%s: caller %d out of order", path, c)
			next[c]++
		}
	}
	st := w.Stats()
	assert.Equal(t, uint64(len(paths)*callers*perCaller), st.Written)
	assert.Zero(t, st.Dropped)
}
