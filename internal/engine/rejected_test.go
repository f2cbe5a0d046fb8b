package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
)

// rejects returns the keys of the harness target's rejected records.
func (h *harness) rejects() []string {
	h.t.Helper()
	var rs []ledger.Rejected
	var err error
	h.readState(func(st *ledger.SQLite, sc ledger.Scope) { rs, err = st.Rejects(context.Background(), sc) })
	if err != nil {
		h.t.Fatal(err)
	}
	var keys []string
	for _, r := range rs {
		keys = append(keys, r.Key)
	}
	return keys
}

func failDeletes(c connector.Change) error {
	if c.Action == connector.Delete {
		return errors.New("record locked")
	}
	return nil
}

// failNamed makes a target refuse the records whose name is name, with reason.
func failNamed(name, reason string) func(connector.Change) error {
	return func(c connector.Change) error {
		if c.Record["name"] == name {
			return errors.New(reason)
		}
		return nil
	}
}

// softDeleteHarness syncs people into a target that soft-deletes (active: false) what leaves the source.
func softDeleteHarness(t *testing.T) *harness {
	tg := target("out")
	tg.OnDelete = config.OnDeleteSoft
	tg.SoftDelete = connector.Record{"active": false}
	h := newHarness(t, tg)
	h.sync.Map = mustMap(t, map[string]string{"id": "record.id", "name": "record.name", "active": "true"})
	return h
}

func hasRecord(recs []connector.Record, id int64) bool {
	for _, r := range recs {
		if r["id"] == id {
			return true
		}
	}
	return false
}

// A rejected delete of a record that comes back to the source unchanged is settled by the read that
// brings it: nothing is left to retry, so a later cursor read that does not bring it must not delete it.
func TestRejectedDeleteOfARecordThatCameBackIsNotRetried(t *testing.T) {
	h := cursorHarness(t)
	h.sync.Map = mustMap(t, map[string]string{"id": "record.id", "name": "record.name"}) // seq is not copied
	h.put(versioned(1, "a", int64(1)), versioned(2, "b", int64(2)), versioned(3, "c", int64(3)))
	wantCounts(t, h.run(), counts{create: 3})
	h.mem.Delete("people", int64(2))
	h.mem.FailApply("out", failDeletes)
	wantCounts(t, h.execute(engine.Options{Apply: true, Full: true}).Results[0], counts{unchanged: 2, failed: 1})
	h.mem.FailApply("out", nil)
	h.put(versioned(2, "b", int64(4))) // back, with the values the target still holds
	wantCounts(t, h.run(), counts{unchanged: 2})
	if got := h.rejects(); len(got) != 0 {
		t.Fatalf("rejected %v after the record came back unchanged, want none", got)
	}
	h.put(versioned(4, "d", int64(5)))
	wantCounts(t, h.run(), counts{create: 1, unchanged: 1})
	wantCounts(t, h.run(), counts{unchanged: 1})
	if !hasRecord(h.mem.Records("out"), 2) {
		t.Fatalf("record 2 is in the source but was deleted from the target: %v", names(h.mem.Records("out")))
	}
}

// A rejected create of a record that the source then filters out is not replayed from its stored
// payload by the cursor read that read it (filtered out).
func TestRejectedRecordFilteredOutIsNotReplayed(t *testing.T) {
	h := cursorHarness(t)
	h.sync.Filter = mustFilter(t, `record.status == "hired"`)
	rec := func(id int64, name, status string, seq int64) connector.Record {
		return connector.Record{"id": id, "name": name, "status": status, "seq": seq}
	}
	h.put(rec(1, "a", "hired", 1), rec(2, "bad", "hired", 2))
	h.mem.FailApply("out", failNamed("bad", "rejected"))
	wantCounts(t, h.run(), counts{create: 1, failed: 1})
	h.mem.FailApply("out", nil)
	h.put(rec(2, "bad", "left", 3))
	wantCounts(t, h.run(), counts{})
	if hasRecord(h.mem.Records("out"), 2) {
		t.Fatalf("record 2 is filtered out in the source but was created in the target: %v", h.mem.Records("out"))
	}
	if got := h.rejects(); len(got) != 0 {
		t.Fatalf("rejected %v, want none", got)
	}
}

// A rejected update whose source record goes back to the version the target holds leaves nothing to
// retry: the rejection is resolved, not kept (and replayed) for ever.
func TestRejectedUpdateRevertedInTheSourceIsResolved(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""))
	wantCounts(t, h.run(), counts{create: 1})
	h.put(person(1, "a2", ""))
	h.mem.FailApply("out", func(connector.Change) error { return errors.New("validation failed") })
	wantCounts(t, h.run(), counts{failed: 1})
	h.mem.FailApply("out", nil)
	h.put(person(1, "a", ""))
	wantCounts(t, h.run(), counts{unchanged: 1})
	if got := h.rejects(); len(got) != 0 {
		t.Fatalf("rejected %v, want none", got)
	}
}

// Dropping a rejected update keeps the record counted as held by the target (which still has the
// version before it), so it is removed when the source deletes it.
func TestDroppedUpdateIsRemovedWhenTheSourceDeletesIt(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", "x"), person(2, "b", "x"))
	wantCounts(t, h.run(), counts{create: 2})
	h.put(person(1, "bad", "x"))
	h.mem.FailApply("out", failNamed("bad", "rejected"))
	wantCounts(t, h.run(), counts{unchanged: 1, failed: 1})
	h.mem.FailApply("out", nil)
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, h.state, false)
	if err != nil {
		t.Fatal(err)
	}
	n, err := (&engine.Engine{Store: st}).DropRejected(ctx, ledger.Scope{Sync: h.sync.Name, Target: h.sync.Targets[0].ID()}, nil)
	st.Close()
	if err != nil || n != 1 {
		t.Fatalf("DropRejected = %d, %v", n, err)
	}
	wantCounts(t, h.run(), counts{unchanged: 2}) // the dropped version is not sent again
	h.mem.Delete("people", int64(1))
	wantCounts(t, h.run(), counts{delete: 1, unchanged: 1})
	if hasRecord(h.mem.Records("out"), 1) {
		t.Fatalf("record 1 is gone from the source but stays in the target: %v", names(h.mem.Records("out")))
	}
}

// A record a crashed run sent without an answer, whose removal the target then refuses, stays
// remembered by its inflight row until a removal succeeds.
func TestOrphanWhoseRemovalIsRefusedIsRemovedLater(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""), person(2, "b", ""))
	h.runLosingAcks()
	h.mem.Delete("people", int64(2))
	h.mem.FailApply("out", failDeletes)
	wantCounts(t, h.run(), counts{create: 1, failed: 1})
	if got := h.inflight(); len(got) == 0 {
		t.Fatal("the inflight rows of the orphan whose removal failed are gone")
	}
	h.mem.FailApply("out", nil)
	wantCounts(t, h.run(), counts{delete: 1, unchanged: 1})
	if hasRecord(h.mem.Records("out"), 2) {
		t.Fatalf("orphan 2 left in the target: %v", names(h.mem.Records("out")))
	}
	if got, rj := h.inflight(), h.rejects(); len(got) != 0 || len(rj) != 0 {
		t.Fatalf("inflight %v, rejected %v after the removal succeeded", got, rj)
	}
}

// An update that revives a soft-deleted record is in the inflight log: if the run dies after the target
// took it, the record is soft-deleted again once the source lets it go.
func TestRevivedSoftDeletedRecordIsTraceableAfterACrash(t *testing.T) {
	h := softDeleteHarness(t)
	h.put(person(1, "Ada", "x"), person(2, "Grace", "x"))
	wantCounts(t, h.run(), counts{create: 2})
	h.mem.Delete("people", int64(2))
	wantCounts(t, h.run(), counts{delete: 1, unchanged: 1})
	h.mem.Delete("out", int64(2)) // behind oneway's back: the revive finds it absent and creates it
	h.put(person(2, "Grace", "x"))
	h.mem.FailApply("out", func(c connector.Change) error {
		if c.Action == connector.Create {
			h.mem.LoseAcks("out", errors.New("connection dropped"))
		}
		return nil
	})
	if r := h.run(); r.Status != engine.StatusFailed {
		t.Fatalf("status %s, want failed", r.Status)
	}
	h.mem.FailApply("out", nil)
	h.mem.LoseAcks("out", nil)
	h.mem.Delete("people", int64(2))
	h.run()
	for _, rec := range h.mem.Records("out") {
		if rec["id"] == int64(2) && rec["active"] == true {
			t.Fatalf("record 2 is live in the target, gone from the source: %v", rec)
		}
	}
}
