package engine_test

import (
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
)

func cursorHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.sync.Source.Detect = config.DetectCursor
	h.sync.Source.Cursor = []string{"seq"}
	return h
}

func versioned(id int64, name string, seq any) connector.Record {
	return connector.Record{"id": id, "name": name, "seq": seq}
}

func TestCursorReadsOnlyNewVersions(t *testing.T) {
	h := cursorHarness(t)
	h.put(versioned(1, "a", int64(10)), versioned(2, "b", int64(20)), versioned(3, "c", int64(30)))
	r := h.run()
	wantCounts(t, r, counts{create: 3})
	if r.ReadMode != "cursor" {
		t.Fatalf("read mode %s", r.ReadMode)
	}
	h.put(versioned(1, "a2", int64(40)))
	r = h.run()
	// Read from the stored position (30, 3) inclusive: record 3 again (unchanged) and record 1.
	wantCounts(t, r, counts{update: 1, unchanged: 1})
	if r.Read != 2 {
		t.Fatalf("read %d records, want 2", r.Read)
	}
	// A delete is invisible to a cursor read; a full read finds it.
	h.mem.Delete("people", int64(2))
	wantCounts(t, h.run(), counts{unchanged: 1})
	r = h.execute(engine.Options{Apply: true, Full: true}).Results[0]
	wantCounts(t, r, counts{delete: 1, unchanged: 2})
	if r.ReadMode != "snapshot" {
		t.Fatalf("full read mode %s", r.ReadMode)
	}
}

func TestCursorEqualValuesAcrossBatchesAndNulls(t *testing.T) {
	h := cursorHarness(t)
	h.sync.Source.BatchSize = 2
	for i := int64(1); i <= 7; i++ {
		h.put(versioned(i, "same", int64(5)))
	}
	h.put(versioned(8, "null cursor", nil))
	wantCounts(t, h.run(), counts{create: 8})
	// Two more records with the same cursor value as the stored position: both found.
	h.put(versioned(9, "same", int64(5)), versioned(10, "same", int64(5)))
	h.put(versioned(8, "null cursor changed", nil))
	r := h.run()
	wantCounts(t, r, counts{create: 2, update: 1, unchanged: 1})
	if len(h.mem.Records("out")) != 10 {
		t.Fatalf("target holds %d records", len(h.mem.Records("out")))
	}
}

func TestCursorLookbackRereadsWindowWithoutWrites(t *testing.T) {
	h := cursorHarness(t)
	h.sync.Source.Lookback = 10 * time.Minute
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h.put(versioned(1, "a", base), versioned(2, "b", base.Add(-5*time.Minute)), versioned(3, "c", base.Add(-time.Hour)))
	wantCounts(t, h.run(), counts{create: 3})
	// A late writer commits a record stamped inside the window, behind the stored cursor.
	h.put(versioned(4, "late", base.Add(-2*time.Minute)))
	r := h.run()
	wantCounts(t, r, counts{create: 1, unchanged: 2})
	if r.Read != 3 {
		t.Fatalf("read %d, want the 3 records in the lookback window", r.Read)
	}
}

func TestCursorRetriesRejectedRecordsNotReadAgain(t *testing.T) {
	h := cursorHarness(t)
	h.put(versioned(1, "a", int64(1)), versioned(2, "bad", int64(2)), versioned(3, "c", int64(3)))
	h.mem.FailApply("out", failNamed("bad", "rejected"))
	wantCounts(t, h.run(), counts{create: 2, failed: 1})
	h.mem.FailApply("out", nil)
	// The cursor is past record 2; it comes back from the rejected list.
	r := h.run()
	wantCounts(t, r, counts{create: 1, unchanged: 1})
	if len(h.mem.Records("out")) != 3 {
		t.Fatal("rejected record not retried")
	}
}

// A record without the cursor field (JSON APIs leave null fields out) is read like one whose cursor is
// null, on every run, instead of failing the whole sync.
func TestCursorRecordWithoutTheCursorField(t *testing.T) {
	h := cursorHarness(t)
	h.put(versioned(1, "a", int64(10)), connector.Record{"id": int64(2), "name": "no seq"})
	wantCounts(t, h.run(), counts{create: 2})
	h.put(versioned(3, "c", int64(20)))
	r := h.run()
	wantCounts(t, r, counts{create: 1, unchanged: 2}) // record 2 again, and record 1 where the cursor stood
	if r.Status != engine.StatusOK {
		t.Fatalf("status %s: %s", r.Status, r.Error)
	}
}
