// Package metrics serves cloudtap's counters to Prometheus: `cloudtap
// ship --metrics ADDR` serves the shipper's on ADDR/metrics. (The packet
// source's and the writer's go through Zeek's own telemetry framework, on
// Zeek's Prometheus endpoint.) The client library is Prometheus's own,
// client_golang: the exposition format, its escaping and the histogram
// layout are its job.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cloudtap/cloudtap/gosrc/internal/coldstore"
)

// PathStatser is what the collector reads: the shipper's counts by log
// path (coldstore.Shipper).
type PathStatser interface {
	PathStats() map[string]coldstore.Stats
}

var (
	pathLabel = []string{"path"}
	shipped   = prometheus.NewDesc("cloudtap_ship_shipped_total", "Documents the engine accepted and the shipper then acknowledged in Redis.", pathLabel, nil)
	already   = prometheus.NewDesc("cloudtap_ship_already_there_total", "Of shipped, documents a data stream already held (a re-delivery answered 409).", pathLabel, nil)
	retried   = prometheus.NewDesc("cloudtap_ship_retried_total", "Document sends repeated after a retryable failure.", pathLabel, nil)
	dead      = prometheus.NewDesc("cloudtap_ship_dead_lettered_total", "Records moved to the dead-letter stream {<key>}:dead.", pathLabel, nil)
	requests  = prometheus.NewDesc("cloudtap_ship_bulk_requests_total", "_bulk requests sent, splits and retries included.", pathLabel, nil)
	lag       = prometheus.NewDesc("cloudtap_ship_group_lag", "Entries the consumer group has not acknowledged (pending plus not yet read), as last measured; -1 unknown.", pathLabel, nil)
	pending   = prometheus.NewDesc("cloudtap_ship_pending", "Entries delivered to the group's shippers and not yet acknowledged, as last measured.", pathLabel, nil)
	latency   = prometheus.NewDesc("cloudtap_ship_bulk_latency_seconds", "Time a _bulk request took to answer.", pathLabel, nil)
)

type shipperCollector struct{ sh PathStatser }

// NewShipperCollector reads sh's counts at every scrape.
func NewShipperCollector(sh PathStatser) prometheus.Collector { return shipperCollector{sh} }

func (c shipperCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{shipped, already, retried, dead, requests, lag, pending, latency} {
		ch <- d
	}
}

func (c shipperCollector) Collect(ch chan<- prometheus.Metric) {
	for path, st := range c.sh.PathStats() {
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), path)
		}
		counter(shipped, st.Shipped)
		counter(already, st.AlreadyThere)
		counter(retried, st.Retried)
		counter(dead, st.DeadLettered)
		counter(requests, st.BulkRequests)
		ch <- prometheus.MustNewConstMetric(lag, prometheus.GaugeValue, float64(st.Lag), path)
		ch <- prometheus.MustNewConstMetric(pending, prometheus.GaugeValue, float64(st.Pending), path)
		buckets := make(map[float64]uint64, len(coldstore.LatencyBuckets))
		var cumulative uint64
		for i, le := range coldstore.LatencyBuckets {
			cumulative += st.BulkLatency.Counts[i]
			buckets[le.Seconds()] = cumulative
		}
		ch <- prometheus.MustNewConstHistogram(latency, st.BulkLatency.Count(), st.BulkLatency.Sum.Seconds(), buckets, path)
	}
}

// Server serves a registry's metrics on /metrics.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Serve listens on addr (host:port; port 0 picks one) and serves reg.
func Serve(addr string, reg *prometheus.Registry) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln: ln}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is where the server listens.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops serving, within a second.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
