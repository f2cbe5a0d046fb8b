package engine

import "testing"

// Batch rows of different runs never share an id, even for runs of millions of batches.
func TestInflightIDsOfRunsDoNotOverlap(t *testing.T) {
	first, next := &inflightLog{runID: 7}, &inflightLog{runID: 8}
	if a, b := first.id(5_000_000), next.id(1); a >= b {
		t.Fatalf("batch 5,000,000 of run 7 has id %d, not below batch 1 of run 8 (%d)", a, b)
	}
	if a, b := first.id(1), first.id(2); a == b {
		t.Fatal("two batches of one run share an id")
	}
}
