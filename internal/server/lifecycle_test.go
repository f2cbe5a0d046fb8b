package server

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/schedule"
)

// TestScheduleNeverOverlaps drives the schedule with a fake clock: a scheduled run that outlasts its
// interval makes an API run wait (409) and is followed by one late run, not one per missed tick.
func TestScheduleNeverOverlaps(t *testing.T) {
	t0 := time.Now().UTC().Truncate(time.Minute)
	clock := schedule.NewFake(t0)
	f := newFixture(t, strings.Replace(baseConfig, "  - name: s\n", "  - name: s\n    schedule: {every: 1m}\n", 1), withClock(clock))
	f.people(5, "")
	entered, release := blockApply(f)
	defer release()
	_, stop := f.serve(context.Background())

	if err := clock.WaitTimers(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	sv := decode[syncView](t, f.do("GET", "/api/syncs/s", nil), http.StatusOK)
	if sv.NextRun == nil || !sv.NextRun.Equal(t0.Add(time.Minute)) || sv.Schedule != "every 1m0s" {
		t.Fatalf("before the first tick: %+v", sv)
	}
	clock.Advance(time.Minute)
	<-entered // the scheduled run is writing, and holds
	if resp := f.do("POST", "/api/syncs/s/run", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("API run during a scheduled run: %d, want 409", resp.StatusCode)
	}
	clock.Advance(3 * time.Minute) // the ticks at 2m, 3m and 4m pass while it runs
	time.Sleep(20 * time.Millisecond)
	if n := len(f.ledgerRuns("s", "dst/staff")); n != 1 {
		t.Fatalf("%d runs while the first one runs, want 1", n)
	}
	release()
	// One late run at once, then back to the schedule: the next at 5m.
	eventually(t, "the late run", func() bool { return len(f.ledgerRuns("s", "dst/staff")) == 2 })
	if err := clock.WaitTimers(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	runs := f.ledgerRuns("s", "dst/staff")
	if len(runs) != 2 || !runs[1].Started.Equal(t0.Add(time.Minute)) || !runs[0].Started.Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("runs started at %v and %v, want 1m and 4m after start", runs[1].Started.Sub(t0), runs[0].Started.Sub(t0))
	}
	sv = decode[syncView](t, f.do("GET", "/api/syncs/s", nil), http.StatusOK)
	if sv.NextRun == nil || !sv.NextRun.Equal(t0.Add(5*time.Minute)) || sv.LastTrigger != TriggerSchedule {
		t.Fatalf("after the late run: next %v trigger %s", sv.NextRun, sv.LastTrigger)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRunnerFoldsRequests: requests made while a sync runs become one next run, not one each.
func TestRunnerFoldsRequests(t *testing.T) {
	f := newFixture(t, baseConfig)
	f.people(3, "")
	entered, release := blockApply(f)
	first, err := f.srv.runner.request("s", TriggerAPI, engine.Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	f.people(3, " changed")
	var queued []*Run
	for range 3 {
		r, err := f.srv.runner.request("s", TriggerWebhook, engine.Options{Full: true}, false)
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, r)
	}
	if queued[0] != queued[1] || queued[1] != queued[2] || queued[0] == first {
		t.Fatal("requests during a run should share one next run")
	}
	release()
	<-queued[0].Done()
	if runs := f.ledgerRuns("s", "dst/staff"); len(runs) != 2 || runs[0].Counts.Update != 3 {
		t.Fatalf("runs = %+v", runs)
	}
}

// sigtermFixture seeds many records and small batches, and reports when the target has taken half.
func sigtermFixture(t *testing.T, grace string) (*fixture, <-chan struct{}) {
	cfg := "server: {shutdown_grace: " + grace + "}\n" + baseConfig
	f := newFixture(t, cfg)
	f.people(total, "")
	half := make(chan struct{})
	var n atomic.Int64
	f.mem.FailApply("staff", func(connector.Change) error {
		if n.Add(1) == total/2 {
			close(half)
			// Hold this batch until the shutdown is decided, so the run is surely cut in the middle.
			select {
			case <-f.srv.runner.runCtx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
		return nil
	})
	return f, half
}

const total = 1000

func (f *fixture) liveEntries() int {
	f.t.Helper()
	n, err := f.store.CountLive(context.Background(), ledger.Scope{Sync: "s", Target: "dst/staff"})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestSIGTERMAbortsCleanlyAndResumes cancels the server's context (what SIGTERM does) in the middle of
// a run, with no grace: the run stops at a batch boundary, the state holds exactly acknowledged batches
// (each ledger entry is in the target), and the next server's run converges without writing anything
// twice.
func TestSIGTERMAbortsCleanlyAndResumes(t *testing.T) {
	f, half := sigtermFixture(t, "0s")
	_, stop := f.serve(context.Background())
	if _, err := f.srv.runner.request("s", TriggerSchedule, engine.Options{}, false); err != nil {
		t.Fatal(err)
	}
	<-half
	if err := stop(); err != nil {
		t.Fatalf("Run after SIGTERM: %v (serve must exit 0)", err)
	}
	live, inTarget := f.liveEntries(), len(f.mem.Records("staff"))
	if live == 0 || live >= total || inTarget >= total {
		t.Fatalf("the run was not cut in the middle: %d ledger entries, %d records in the target", live, inTarget)
	}
	if live > inTarget {
		t.Fatalf("%d ledger entries but only %d records in the target: the ledger moved ahead of the target", live, inTarget)
	}
	if live%10 != 0 {
		t.Fatalf("%d ledger entries is not a whole number of batches of 10", live)
	}
	runs := f.ledgerRuns("s", "dst/staff")
	if len(runs) != 1 || runs[0].Status == ledger.RunRunning || runs[0].Counts.Create != live {
		t.Fatalf("the cut run = %+v (want it closed, with %d creates)", runs, live)
	}

	// A new server (the restart) resumes: it creates exactly what the ledger does not hold.
	f.mem.FailApply("staff", nil)
	srv2, err := New(context.Background(), Options{Spec: f.spec, Engine: &f.srv.base})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv2
	res := f.runNow("s")
	if !*res.OK || res.Results[0].Create != total-live {
		t.Fatalf("resume = %+v, want %d creates", res.Results[0], total-live)
	}
	if got := len(f.mem.Records("staff")); got != total || f.liveEntries() != total {
		t.Fatalf("after resume: %d records in the target, %d in the ledger, want %d", got, f.liveEntries(), total)
	}
	if again := f.runNow("s"); again.Results[0].Create+again.Results[0].Update+again.Results[0].Delete != 0 || again.Results[0].Unchanged != total {
		t.Fatalf("a third run changed something: %+v", again.Results[0])
	}
}

// TestSIGTERMLetsTheRunFinish: with a grace period the run in progress completes before serve exits,
// and no new run starts.
func TestSIGTERMLetsTheRunFinish(t *testing.T) {
	f, half := sigtermFixture(t, "1m")
	_, stop := f.serve(context.Background())
	if _, err := f.srv.runner.request("s", TriggerAPI, engine.Options{}, false); err != nil {
		t.Fatal(err)
	}
	<-half
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	runs := f.ledgerRuns("s", "dst/staff")
	if len(runs) != 1 || runs[0].Status != ledger.RunOK || runs[0].Counts.Create != total || f.liveEntries() != total {
		t.Fatalf("runs = %+v, live %d", runs, f.liveEntries())
	}
	if _, err := f.srv.runner.request("s", TriggerAPI, engine.Options{}, false); err != ErrShutdown {
		t.Fatalf("a request after shutdown: %v, want ErrShutdown", err)
	}
	if resp := f.do("GET", "/healthz", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz after shutdown: %d, want 503", resp.StatusCode)
	}
	if resp := f.do("POST", "/api/syncs/s/run", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("run after shutdown: %d, want 503", resp.StatusCode)
	}
}

// When serving fails (the listener is closed under it), Run stops the schedules too and returns the
// error, instead of waiting for a cancellation that never comes.
func TestRunReturnsWhenServingFails(t *testing.T) {
	f := newFixture(t, strings.Replace(baseConfig, "  - name: s\n", "  - name: s\n    schedule: {every: 1h}\n", 1))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(context.Background(), ln) }()
	time.Sleep(100 * time.Millisecond)
	ln.Close()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "serve") {
			t.Fatalf("Run returned %v, want the serve error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after serving failed")
	}
}

// SIGTERM waits for a verify --repair in progress as for a run: the repair finishes and is recorded,
// instead of being cut off (the state closed under it) with its run left "running" in the history.
func TestSIGTERMWaitsForARepair(t *testing.T) {
	f := newFixture(t, "server: {shutdown_grace: 1m}\n"+baseConfig)
	f.people(5, "")
	f.runNow("s")
	f.mem.Delete("staff", int64(3)) // behind oneway's back: the repair creates it again
	entered, release := blockApply(f)
	defer release()
	_, stop := f.serve(context.Background())
	repaired := make(chan error, 1)
	go func() {
		// Called directly rather than over HTTP, whose own graceful shutdown would wait for the request.
		_, err := f.srv.verify(context.Background(), f.srv.spec.Syncs[0], true)
		repaired <- err
	}()
	<-entered // the repair is writing
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("shutdown returned (%v) while a repair was writing", err)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if err := <-repaired; err != nil {
		t.Fatalf("repair: %v", err)
	}
	for _, r := range f.ledgerRuns("s", "dst/staff") {
		if r.Status == ledger.RunRunning {
			t.Fatalf("run %d is still running in the history after shutdown", r.ID)
		}
	}
}
