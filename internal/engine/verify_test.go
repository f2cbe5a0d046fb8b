package engine_test

import (
	"context"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/memory"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

func (h *harness) verify(repair bool) *engine.VerifyResult {
	h.t.Helper()
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, h.state, !repair)
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	reg := connector.NewRegistry()
	memory.Register(reg, h.mem)
	rep, err := (&engine.Engine{Registry: reg, Store: st}).Verify(ctx, h.spec, h.spec.Syncs, repair)
	if err != nil {
		h.t.Fatal(err)
	}
	return rep.Results[0]
}

func TestVerifyFindsAndRepairsTampering(t *testing.T) {
	h := newHarness(t)
	h.sync.Map = mustMap(t, map[string]string{"id": "record.id", "name": "record.name"})
	h.put(person(1, "a", ""), person(2, "b", ""), person(3, "c", ""))
	wantCounts(t, h.run(), counts{create: 3})
	if v := h.verify(false); v.Status != engine.VerifyClean || v.Expected != 3 || v.Checked != 3 {
		t.Fatalf("fresh target: %+v", v)
	}

	// Behind oneway's back: a row deleted, one edited (and an unmapped column added), one inserted.
	h.mem.Delete("out", int64(1))
	h.mem.Put("out", connector.Record{"id": int64(2), "name": "edited", "extra_column": "kept"})
	h.mem.Put("out", connector.Record{"id": int64(99), "name": "intruder"})
	v := h.verify(false)
	if v.Status != engine.VerifyDiffers || v.Missing != 1 || v.Different != 1 || v.Extra != 1 {
		t.Fatalf("after tampering: %+v", v)
	}
	var sawDiff bool
	for _, d := range v.Samples {
		if d.Kind == "different" && len(d.Changes) == 1 && d.Changes[0].Field == "name" {
			sawDiff = true
		}
	}
	if !sawDiff {
		t.Fatalf("no field diff for the edit: %+v", v.Samples)
	}

	v = h.verify(true)
	if v.Status != engine.VerifyRepaired || v.Repaired == nil || v.Repaired.Create != 2 || v.Repaired.Delete != 1 {
		t.Fatalf("repair: %+v %+v", v, v.Repaired)
	}
	if v := h.verify(false); v.Status != engine.VerifyClean {
		t.Fatalf("after repair: %+v", v)
	}
	if got := names(h.mem.Records("out")); len(got) != 3 || got[2] != "b" || got[1] != "a" {
		t.Fatalf("target after repair = %v", got)
	}
	// The ledger agrees with the repaired target: a normal run has nothing to do.
	wantCounts(t, h.run(), counts{unchanged: 3})
}

// A repair's removal of extra records that the target refuses is reported, and leaves no rejected
// record: none of them has a source key to retry it under (they once all landed on the empty key).
func TestRefusedRepairOfExtraRecordsIsReportedNotRejected(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""))
	wantCounts(t, h.run(), counts{create: 1})
	h.mem.Put("out", connector.Record{"id": int64(98), "name": "intruder"}, connector.Record{"id": int64(99), "name": "intruder"})
	h.mem.FailApply("out", failDeletes)
	v := h.verify(true)
	if v.Repaired == nil || v.Repaired.Failed != 2 || len(v.Repaired.Failures) != 2 {
		t.Fatalf("repair: %+v %+v", v, v.Repaired)
	}
	if got := h.rejects(); len(got) != 0 {
		t.Fatalf("rejected %q after a refused repair of extra records, want none", got)
	}
	h.mem.FailApply("out", nil)
	if v := h.verify(true); v.Status != engine.VerifyRepaired || v.Repaired.Delete != 2 {
		t.Fatalf("second repair: %+v %+v", v, v.Repaired)
	}
}
