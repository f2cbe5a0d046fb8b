package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/onewaysync/oneway/internal/engine"
)

// Metrics holds the collectors of one server. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	now func() time.Time

	read        *prometheus.CounterVec
	written     *prometheus.CounterVec
	failed      *prometheus.CounterVec
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	rejected    *prometheus.GaugeVec
	running     *prometheus.GaugeVec

	mu      sync.Mutex
	success map[[2]string]time.Time // (sync, target) -> last successful run, for the lag
}

// Actions a record can be written with, as labels.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// DurationBuckets are the run duration histogram's buckets, in seconds: syncs take from a fraction of a
// second (nothing changed) to an hour (a first full copy).
var DurationBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// New returns metrics on a registry of their own, with Go runtime and process metrics. now is the
// clock the lag is computed with.
func New(now func() time.Time) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		now: now,
		read: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oneway_records_read_total", Help: "Source records read, by sync.",
		}, []string{"sync"}),
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oneway_records_written_total", Help: "Records written to a target and acknowledged, by sync, target and action (create, update, delete).",
		}, []string{"sync", "target", "action"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oneway_records_failed_total", Help: "Records a target or the mapping rejected (kept to be retried), by sync and target.",
		}, []string{"sync", "target"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oneway_runs_total", Help: "Runs by sync, target and outcome (ok, failed, refused).",
		}, []string{"sync", "target", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "oneway_run_duration_seconds", Help: "Duration of a sync's runs, from the start of the read to the last commit.",
			Buckets: DurationBuckets,
		}, []string{"sync"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "oneway_last_success_timestamp_seconds", Help: "Unix time of the end of the last successful run, by sync and target.",
		}, []string{"sync", "target"}),
		rejected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "oneway_rejected_records", Help: "Records currently in the rejected list, by sync and target.",
		}, []string{"sync", "target"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "oneway_sync_running", Help: "1 while a sync runs.",
		}, []string{"sync"}),
		success: map[[2]string]time.Time{},
	}
	m.reg.MustRegister(m.read, m.written, m.failed, m.runs, m.duration, m.lastSuccess, m.rejected, m.running,
		lagCollector{m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry returns the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Observe records a finished run (engine.Execute with Apply) of one sync that ended at end.
func (m *Metrics) Observe(rep *engine.Report, end time.Time) {
	if rep == nil || len(rep.Results) == 0 {
		return
	}
	first := rep.Results[0]
	// The source is read once per run, whatever the number of targets.
	m.read.WithLabelValues(first.Sync).Add(float64(first.Read))
	m.duration.WithLabelValues(first.Sync).Observe(first.Duration)
	for _, r := range rep.Results {
		m.written.WithLabelValues(r.Sync, r.Target, ActionCreate).Add(float64(r.Create))
		m.written.WithLabelValues(r.Sync, r.Target, ActionUpdate).Add(float64(r.Update))
		m.written.WithLabelValues(r.Sync, r.Target, ActionDelete).Add(float64(r.Delete))
		m.failed.WithLabelValues(r.Sync, r.Target).Add(float64(r.Failed))
		m.runs.WithLabelValues(r.Sync, r.Target, r.Status).Inc()
		if r.Status == engine.StatusOK {
			m.SetLastSuccess(r.Sync, r.Target, end)
		}
	}
}

// SetLastSuccess records the end of a successful run (also used at start, from the state).
func (m *Metrics) SetLastSuccess(sync, target string, t time.Time) {
	m.lastSuccess.WithLabelValues(sync, target).Set(float64(t.UnixMilli()) / 1000)
	m.mu.Lock()
	m.success[[2]string{sync, target}] = t
	m.mu.Unlock()
}

// SetRejected sets the size of a target's rejected list.
func (m *Metrics) SetRejected(sync, target string, n int) {
	m.rejected.WithLabelValues(sync, target).Set(float64(n))
}

// SetRunning marks a sync as running or not.
func (m *Metrics) SetRunning(sync string, running bool) {
	v := 0.0
	if running {
		v = 1
	}
	m.running.WithLabelValues(sync).Set(v)
}

var lagDesc = prometheus.NewDesc("oneway_lag_seconds",
	"Seconds since the end of the last successful run, by sync and target (absent before the first success).",
	[]string{"sync", "target"}, nil)

// lagCollector computes the lag when scraped, so it grows between runs.
type lagCollector struct{ m *Metrics }

func (c lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }

func (c lagCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.m.now()
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	for k, t := range c.m.success {
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, now.Sub(t).Seconds(), k[0], k[1])
	}
}
