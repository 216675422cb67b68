package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudtap/cloudtap/gosrc/internal/childproc"
	"github.com/cloudtap/cloudtap/gosrc/internal/estest"
	"github.com/cloudtap/cloudtap/gosrc/internal/redistest"
)

// A real Prometheus scrapes `cloudtap ship --metrics` while it ships a
// known number of records to a real engine: shipped reaches that number,
// the group's lag and pending fall to zero, and the bulk latency histogram
// counts the requests made.
func TestShipMetricsScrapedByPrometheus(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("SKIPPING: Prometheus is NOT INSTALLED (apt-get install -y prometheus); this test needs a real one and proves nothing without it")
	}
	rs := redistest.Start(t, redistest.Options{})
	es := estest.Start(t)
	c := rs.Conn(t)
	const n = 2500
	for i := 0; i < n; i++ {
		_, err := c.Do("XADD", "zeek:conn", "*", "json",
			fmt.Sprintf(`{"ts":1700006300.%06d,"uid":"C%015d","id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","proto":"tcp"}`, i, i))
		require.NoError(t, err)
	}
	bin := buildCloudtap(t)
	mport, err := childproc.FreeLoopbackPort()
	require.NoError(t, err)
	ship := exec.Command(bin, "ship", "--redis", rs.URL("", ""), "--elasticsearch", es.AuthURL(), "--paths", "conn",
		"--consumer", "metrics-test", "--stats-interval", "0", "--metrics", "127.0.0.1:"+strconv.Itoa(mport))
	ship.Env = append(os.Environ(), envConfig+"=")
	shipLog := filepath.Join(t.TempDir(), "ship.log")
	lf, err := os.Create(shipLog)
	require.NoError(t, err)
	ship.Stdout, ship.Stderr = lf, lf
	require.NoError(t, ship.Start())
	t.Cleanup(func() { _ = ship.Process.Kill(); _, _ = ship.Process.Wait(); lf.Close() })

	pport, err := childproc.FreeLoopbackPort()
	require.NoError(t, err)
	dir := t.TempDir()
	conf := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(
		"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: cloudtap-ship\n    static_configs:\n      - targets: ['127.0.0.1:%d']\n", mport)), 0o600))
	prom := exec.Command(promBin, "--config.file="+conf, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(pport))
	promLog, err := os.Create(filepath.Join(dir, "prometheus.log"))
	require.NoError(t, err)
	prom.Stdout, prom.Stderr = promLog, promLog
	require.NoError(t, prom.Start())
	t.Cleanup(func() { _ = prom.Process.Kill(); _, _ = prom.Process.Wait(); promLog.Close() })

	query := func(q string) (float64, bool) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/query?query=%s", pport, q))
		if err != nil {
			return 0, false
		}
		defer resp.Body.Close()
		var r struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if json.NewDecoder(resp.Body).Decode(&r) != nil || len(r.Data.Result) != 1 {
			return 0, false
		}
		s, _ := r.Data.Result[0].Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	want := map[string]func(float64) bool{
		`cloudtap_ship_shipped_total{path="conn"}`:              func(v float64) bool { return v == n },
		`cloudtap_ship_group_lag{path="conn"}`:                  func(v float64) bool { return v == 0 },
		`cloudtap_ship_pending{path="conn"}`:                    func(v float64) bool { return v == 0 },
		`cloudtap_ship_dead_lettered_total{path="conn"}`:        func(v float64) bool { return v == 0 },
		`cloudtap_ship_bulk_latency_seconds_count{path="conn"}`: func(v float64) bool { return v >= 1 },
	}
	deadline := time.Now().Add(90 * time.Second)
	for q, ok := range want {
		var v float64
		var got bool
		for time.Now().Before(deadline) {
			if v, got = query(q); got && ok(v) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if !assert.True(t, got && ok(v), "Prometheus: %s = %v (answered: %v)", q, v, got) {
			out, _ := os.ReadFile(shipLog)
			t.Logf("cloudtap ship said:\n%s", out)
		}
	}
	// The bulk requests the histogram counts are those the counter counts.
	reqs, _ := query(`cloudtap_ship_bulk_requests_total{path="conn"}`)
	count, _ := query(`cloudtap_ship_bulk_latency_seconds_count{path="conn"}`)
	assert.Equal(t, reqs, count)
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", mport))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
