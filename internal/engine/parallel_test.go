package engine_test

import (
	"fmt"
	"testing"
)

// Batches large enough to be diffed on several goroutines (and a snapshot read, whose unchanged records
// are answered from the preloaded ledger) give the same counts as small ones; under -race this also
// checks that the parallel steps share nothing they write.
func TestLargeBatchesDiffInParallel(t *testing.T) {
	h := newHarness(t)
	h.sync.Source.BatchSize = 1500
	h.sync.Targets[0].BatchSize = 700
	for i := int64(1); i <= 3000; i++ {
		h.put(person(i, fmt.Sprint("p", i), ""))
	}
	wantCounts(t, h.run(), counts{create: 3000})
	wantCounts(t, h.run(), counts{unchanged: 3000})
	for i := int64(1); i <= 3000; i += 10 {
		h.put(person(i, fmt.Sprint("q", i), ""))
	}
	h.mem.Delete("people", int64(2))
	wantCounts(t, h.plan(), counts{update: 300, delete: 1, unchanged: 2699})
	wantCounts(t, h.run(), counts{update: 300, delete: 1, unchanged: 2699})
	if n := names(h.mem.Records("out")); len(n) != 2999 || n[11] != "q11" || n[12] != "p12" {
		t.Fatalf("target has %d records, 11 = %q, 12 = %q", len(n), n[11], n[12])
	}
	// As many records as before, one of them new: the removal is still found (the ledger's count of
	// held entries only spares the removal scan when every held key was seen).
	h.mem.Delete("people", int64(3))
	h.put(person(9999, "new", ""))
	wantCounts(t, h.run(), counts{create: 1, delete: 1, unchanged: 2998})
	wantCounts(t, h.run(), counts{unchanged: 2999})
}
