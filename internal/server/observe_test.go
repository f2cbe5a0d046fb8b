package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/httpclient"
	"github.com/onewaysync/oneway/internal/alert"
)

func TestMetricsExposed(t *testing.T) {
	f := newFixture(t, baseConfig)
	f.people(12, "")
	f.runNow("s")
	f.mem.FailApply("staff", func(c connector.Change) error {
		if c.Record["id"] == int64(3) {
			return errors.New("refused")
		}
		return nil
	})
	f.people(4, " changed")
	f.runNow("s")
	text := body(t, f.do("GET", "/metrics", nil))
	for _, want := range []string{
		`oneway_records_read_total{sync="s"} 24`,
		`oneway_records_written_total{action="create",sync="s",target="dst/staff"} 12`,
		`oneway_records_written_total{action="update",sync="s",target="dst/staff"} 3`,
		`oneway_records_written_total{action="delete",sync="s",target="dst/staff"} 0`,
		`oneway_records_failed_total{sync="s",target="dst/staff"} 1`,
		`oneway_runs_total{status="ok",sync="s",target="dst/staff"} 2`,
		`oneway_run_duration_seconds_count{sync="s"} 2`,
		`oneway_rejected_records{sync="s",target="dst/staff"} 1`,
		`oneway_sync_running{sync="s"} 0`,
		`oneway_last_success_timestamp_seconds{sync="s",target="dst/staff"}`,
		`oneway_lag_seconds{sync="s",target="dst/staff"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

// alertReceiver collects alert bodies.
type alertReceiver struct {
	mu     sync.Mutex
	events []alert.Event
}

func (a *alertReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var e alert.Event
	if err := json.Unmarshal(b, &e); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.events = append(a.events, e)
	a.mu.Unlock()
}

func (a *alertReceiver) kinds() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, e := range a.events {
		out = append(out, e.Kind)
	}
	return out
}

func TestAlertsOncePerChange(t *testing.T) {
	rec := &alertReceiver{}
	hs := httptest.NewServer(rec)
	defer hs.Close()
	t.Setenv("ONEWAY_TEST_ALERT_URL", hs.URL+"/alerts")
	cfg := "server:\n  alerts: {webhook: '${env:ONEWAY_TEST_ALERT_URL}', rejected_share: 0.2}\n" + baseConfig
	f := newFixture(t, cfg, func(o *Options) { o.AlertClient = httpclient.New(httpclient.Options{Timeout: 5 * time.Second}) })
	f.people(10, "")
	expect := func(step string, want ...string) {
		t.Helper()
		eventually(t, step, func() bool { return len(rec.kinds()) >= len(want) })
		time.Sleep(20 * time.Millisecond) // and nothing more arrives
		if got := rec.kinds(); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: alerts %v, want %v", step, got, want)
		}
	}

	f.runNow("s")
	expect("a first good run says nothing")
	f.mem.FailBatchAfter("staff", 0, errors.New("target down"))
	f.people(10, " v2")
	f.runNow("s")
	expect("ok -> failing", alert.Failing)
	f.runNow("s")
	f.runNow("s")
	expect("still failing: said once", alert.Failing)
	f.mem.FailBatchAfter("staff", 0, nil)
	f.mem.FailApply("staff", func(c connector.Change) error {
		if id := c.Record["id"].(int64); id <= 3 {
			return errors.New("bad record")
		}
		return nil
	})
	f.runNow("s")
	// Recovered, and 3 rejected of 10 is above 20%.
	expect("failing -> recovered, rejected above", alert.Failing, alert.Recovered, alert.RejectedHigh)
	f.runNow("s")
	expect("no change", alert.Failing, alert.Recovered, alert.RejectedHigh)
	f.mem.FailApply("staff", nil)
	f.runNow("s")
	expect("rejected back below", alert.Failing, alert.Recovered, alert.RejectedHigh, alert.RejectedNormal)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if e := rec.events[0]; e.Sync != "s" || !strings.Contains(e.Text, "target down") {
		t.Fatalf("failing alert = %+v", e)
	}
	if e := rec.events[2]; e.Target != "dst/staff" || e.Rejected != 3 {
		t.Fatalf("rejected alert = %+v", e)
	}
}

func TestAlertsSurviveRestart(t *testing.T) {
	rec := &alertReceiver{}
	hs := httptest.NewServer(rec)
	defer hs.Close()
	cfg := "server:\n  alerts: {slack_webhook: '" + hs.URL + "'}\n" + baseConfig
	f := newFixture(t, cfg)
	f.people(2, "")
	f.mem.FailBatchAfter("staff", 0, errors.New("down"))
	f.runNow("s")
	// A restarted server finds the sync failing in the state and does not announce it again.
	srv2, err := New(t.Context(), Options{Spec: f.spec, Engine: &f.srv.base})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.stopBackground()
	f.srv.stopBackground()
	f.srv = srv2
	f.runNow("s")
	f.srv.stopBackground() // flushes the queue
	if n := len(rec.kinds()); n != 1 {
		t.Fatalf("%d alerts, want the one before the restart", n)
	}
}
