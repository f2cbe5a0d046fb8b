package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// readState opens the state read-only for the duration of fn, with the scope of the harness's target.
func (h *harness) readState(fn func(*ledger.SQLite, ledger.Scope)) {
	h.t.Helper()
	st, err := ledger.OpenSQLite(context.Background(), h.state, true)
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	fn(st, ledger.Scope{Sync: h.sync.Name, Target: h.sync.Targets[0].ID()})
}

// inflight returns the keys of the state's unacknowledged batches of creates for the harness's target.
func (h *harness) inflight() []string {
	h.t.Helper()
	var entries []ledger.Entry
	var err error
	h.readState(func(st *ledger.SQLite, sc ledger.Scope) { _, entries, err = st.Inflight(context.Background(), sc) })
	if err != nil {
		h.t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
	}
	return keys
}

// The inflight rows are written while planning, for every batch: a run that stops after its first batch
// keeps the row of the batch it sent (its outcome is unknown) and removes those of the batches it never
// sent, or a record deleted from the source meanwhile would show as a removal of something never written.
func TestUnsentBatchesLeaveNoInflightRows(t *testing.T) {
	h := newHarness(t) // the target's batch_size is 2
	for i := int64(1); i <= 6; i++ {
		h.put(person(i, "p", ""))
	}
	h.mem.FailBatchAfter("out", 1, errors.New("disk full")) // batch 1 lands, batch 2 fails, 3 is never sent
	if r := h.run(); r.Status != engine.StatusFailed {
		t.Fatalf("status %s, want failed", r.Status)
	}
	if got := h.inflight(); len(got) != 2 || got[0] != "[3]" || got[1] != "[4]" {
		t.Fatalf("inflight keys %v, want the failed batch's [3] [4] only", got)
	}
	h.mem.FailBatchAfter("out", 0, nil)
	h.mem.Delete("people", int64(6)) // in the batch never sent
	h.mem.Delete("people", int64(4)) // in the batch that failed: it may have reached the target
	r := h.run()
	wantCounts(t, r, counts{create: 2, delete: 1, unchanged: 2}) // 3, 5 created; 4 removed in case it landed
	if got := h.inflight(); len(got) != 0 {
		t.Fatalf("inflight keys %v after a clean run", got)
	}
	if n := names(h.mem.Records("out")); len(n) != 4 {
		t.Fatalf("target = %v, want 1, 2, 3, 5", n)
	}
}

// A plan that fails (here: a duplicate key, found when the read ends) removes the inflight rows it wrote.
func TestFailedPlanLeavesNoInflightRows(t *testing.T) {
	h := newHarness(t)
	h.mem.SetKey("people", "name")
	h.put(person(1, "a", ""), person(2, "b", ""), person(3, "c", ""), person(1, "d", ""))
	if r := h.run(); r.Status != engine.StatusFailed || !contains(r.Error, "duplicate key [1]") {
		t.Fatalf("status %s error %q", r.Status, r.Error)
	}
	if got := h.inflight(); len(got) != 0 {
		t.Fatalf("inflight keys %v after a failed plan", got)
	}
	if h.mem.Records("out") != nil {
		t.Fatal("a failed plan wrote to the target")
	}
	// The run is in the history as failed, not left running.
	st, err := ledger.OpenSQLite(context.Background(), h.state, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(context.Background(), ledger.Scope{}, 5)
	if err != nil || len(runs) != 1 || runs[0].Status != ledger.RunFailed || !contains(runs[0].Error, "duplicate key") {
		t.Fatalf("runs = %+v, %v; want one failed run naming the duplicate", runs, err)
	}
}

// A repair by verify plans without a run's inflight log; its creates are logged from the spool before
// the first send, so a repair whose acknowledgement is lost keeps them for the next complete read.
func TestRepairLogsItsCreatesBeforeSending(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""), person(2, "b", ""))
	wantCounts(t, h.run(), counts{create: 2})
	h.mem.Delete("out", int64(1))
	h.mem.LoseAcks("out", errors.New("connection dropped after the write"))
	if v := h.verify(true); v.Status != engine.VerifyFailed {
		t.Fatalf("repair with a lost acknowledgement: %+v", v)
	}
	h.mem.LoseAcks("out", nil)
	if got := h.inflight(); len(got) != 1 || got[0] != "[1]" {
		t.Fatalf("inflight keys %v, want [1], the repaired record whose answer was lost", got)
	}
	wantCounts(t, h.run(), counts{unchanged: 2})
	if got := h.inflight(); len(got) != 0 {
		t.Fatalf("inflight keys %v after a complete run", got)
	}
}
