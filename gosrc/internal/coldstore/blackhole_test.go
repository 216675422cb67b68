package coldstore

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/blackhole"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// An engine that accepts connections and never answers: the shipper says
// so while it waits, each request ends at request-timeout, nothing is
// acknowledged, and a stop is not held up beyond the drain timeout.
func TestEngineThatNeverAnswersIsReportedAndHoldsNothingUp(t *testing.T) {
	hole := blackhole.Start(t)
	s := servers{redis: redistest.Start(t, redistest.Options{})}
	cfg := testConfig(t, s, "a", "conn")
	cfg.ElasticsearchURL = "http://" + hole.Addr()
	cfg.RequestTimeout = 2 * time.Second
	cfg.DrainTimeout = 3 * time.Second
	var mu sync.Mutex
	var reports []string
	cfg.OnError = func(err error) {
		mu.Lock()
		reports = append(reports, err.Error())
		mu.Unlock()
	}
	said := func(what string) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range reports {
				if strings.Contains(r, what) {
					return true
				}
			}
			return false
		}
	}
	c := s.redis.Conn(t)
	xaddConn(t, c, 0, 100)
	sh := startShipper(t, cfg)
	eventually(t, "a report of the request waiting", said("no answer after 1s"))
	eventually(t, "a report of the request timing out", said("Client.Timeout"))
	start := time.Now()
	require.NoError(t, sh.stop())
	assert.Less(t, time.Since(start), cfg.DrainTimeout+cfg.RequestTimeout, "stopped within the drain timeout")
	assert.Zero(t, sh.Stats().Shipped)
	assert.Equal(t, 100, streamLen(t, c, "zeek:conn"), "every record still in Redis")
	assert.Positive(t, hole.Accepted())
}
