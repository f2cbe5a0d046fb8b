package engine

import (
	"errors"
	"testing"

	"github.com/onewaysync/oneway/internal/ledger"
)

// The pipe stores commits in order, runs each one's follow-up after it, and after a failure stores
// nothing more: the writer learns of it at its next send, and close reports it.
func TestCommitPipeKeepsOrderAndStopsAtAFailure(t *testing.T) {
	var stored []int64
	boom := errors.New("disk I/O error")
	p := newCommitPipe(func(c ledger.Commit) error {
		if c.RunID == 3 {
			return boom
		}
		stored = append(stored, c.RunID)
		return nil
	})
	var after []int64
	var err error
	for i := int64(1); i <= 6 && err == nil; i++ {
		err = p.send(ledger.Commit{RunID: i}, func() { after = append(after, i) })
	}
	if cerr := p.close(); !errors.Is(cerr, boom) {
		t.Fatalf("close = %v, want the commit's failure", cerr)
	}
	if len(stored) != 2 || stored[0] != 1 || stored[1] != 2 {
		t.Fatalf("stored %v, want [1 2]: nothing after the failed commit", stored)
	}
	if len(after) != 2 || after[0] != 1 || after[1] != 2 {
		t.Fatalf("follow-ups %v, want [1 2]", after)
	}
	if err == nil {
		// send 4 may have been accepted before commit 3 failed, but never more than one beyond it.
		t.Fatal("every send succeeded after a failed commit")
	}
}
