package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/onewaysync/oneway/internal/engine"
)

func TestObserveAndLag(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	m := New(func() time.Time { return now })
	rep := &engine.Report{Results: []*engine.Result{
		{Sync: "s", Target: "a/x", Create: 3, Update: 2, Delete: 1, Failed: 1, Status: engine.StatusOK, Read: 10, Duration: 1.5},
		{Sync: "s", Target: "b/y", Status: engine.StatusFailed, Read: 10, Duration: 1.5},
	}}
	m.Observe(rep, now.Add(-90*time.Second))
	m.Observe(&engine.Report{}, now) // an empty report changes nothing

	if got := testutil.ToFloat64(m.read.WithLabelValues("s")); got != 10 {
		t.Fatalf("read = %v, want 10 (once per run, not per target)", got)
	}
	for action, want := range map[string]float64{ActionCreate: 3, ActionUpdate: 2, ActionDelete: 1} {
		if got := testutil.ToFloat64(m.written.WithLabelValues("s", "a/x", action)); got != want {
			t.Errorf("written %s = %v, want %v", action, got, want)
		}
	}
	if got := testutil.ToFloat64(m.runs.WithLabelValues("s", "b/y", engine.StatusFailed)); got != 1 {
		t.Fatalf("failed runs = %v", got)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	text := string(b)
	for _, want := range []string{
		`oneway_lag_seconds{sync="s",target="a/x"} 90`,
		`oneway_last_success_timestamp_seconds{sync="s",target="a/x"} 1.77244551e+09`,
		`oneway_run_duration_seconds_bucket{sync="s",le="2.5"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
	if strings.Contains(text, `oneway_lag_seconds{sync="s",target="b/y"}`) {
		t.Error("a target that never succeeded has a lag")
	}
	now = now.Add(time.Minute) // the lag grows between runs
	if !strings.Contains(scrape(m), `oneway_lag_seconds{sync="s",target="a/x"} 150`) {
		t.Error("the lag did not grow with the clock")
	}
}

func scrape(m *Metrics) string {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
