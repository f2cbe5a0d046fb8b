package engine

import (
	"context"

	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/ledger"
)

// inflightLog records a run's creates in the state while the run plans, one row per apply batch, so
// that apply never has to stop before a send to make it durable: should the process die after a target
// wrote a batch but before the ledger heard, the next complete read removes those of its records the
// source no longer has, instead of leaving orphans in the target. The batches are numbered as apply
// will cut them (applyBatchSize changes of the spool each), and each row goes in the transaction that
// stores its batch's acknowledgement. Rows of batches never sent go when the run ends.
type inflightLog struct {
	runID int64
	size  int
	n     int            // changes spooled so far
	keys  []ledger.Entry // creates of the batch being filled
	// recorded holds the batches whose row is in the state and has not landed.
	recorded map[int64]bool
	// sent is the last batch handed to the target: rows of later batches were never sent.
	sent int64
}

func newInflightLog(runID int64, cfg *config.Target) *inflightLog {
	return &inflightLog{runID: runID, size: applyBatchSize(cfg), recorded: map[int64]bool{}}
}

// id is the state's id of a batch's row: the run's id in the high 31 bits, the batch number in the low
// 32, so that runs of any realistic size never share one (a run of batch_size 1 may have millions of
// batches).
func (l *inflightLog) id(batchNo int64) int64 { return l.runID<<32 | batchNo }

// applyBatchSize is how many changes apply sends at once: batch_size, and never more than one second of
// rate_limit.
func applyBatchSize(cfg *config.Target) int {
	size := cfg.BatchSize
	if r := cfg.RateLimit; r > 0 {
		size = min(size, max(1, int(r)))
	}
	return max(size, 1)
}

// addPlanned spools a change and, in a run, notes it in the inflight log.
func (sr *syncRun) addPlanned(ctx context.Context, t *targetRun, p planned) error {
	if err := t.plan.add(p); err != nil {
		return err
	}
	return sr.noteInflight(ctx, t, p)
}

// noteInflight counts a spooled change into the inflight log (nil: not a run) and writes the row of each
// batch it completes.
func (sr *syncRun) noteInflight(ctx context.Context, t *targetRun, p planned) error {
	l := t.inflight
	if l == nil {
		return nil
	}
	if p.Fresh {
		l.keys = append(l.keys, ledger.Entry{Key: p.Key, TargetKey: p.TKey, TargetID: p.TID})
	}
	l.n++
	if l.n%l.size == 0 {
		return sr.recordInflight(ctx, t)
	}
	return nil
}

// logSpooled builds the inflight log of a plan spooled without one (a repair by verify) by reading the
// spool once, so that apply has one way of guarding creates.
func (sr *syncRun) logSpooled(ctx context.Context, t *targetRun) error {
	t.inflight = newInflightLog(t.res.RunID, t.cfg)
	return t.plan.each(t.inflight.size, func(batch []planned) error {
		for _, p := range batch {
			if err := sr.noteInflight(ctx, t, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordInflight writes the row of the batch being filled, when it holds creates.
func (sr *syncRun) recordInflight(ctx context.Context, t *targetRun) error {
	l := t.inflight
	if l == nil || len(l.keys) == 0 {
		return nil
	}
	batchNo := int64((l.n + l.size - 1) / l.size)
	if err := sr.commit(ctx, t, ledger.Commit{Inflight: l.keys, InflightID: l.id(batchNo)}); err != nil {
		return err
	}
	l.recorded[batchNo] = true
	l.keys = l.keys[:0]
	return nil
}

// landUnsent removes the rows of batches that were recorded but never sent: nothing of them can be in
// the target. Rows of batches sent without an acknowledgement stay for the next complete read.
func (sr *syncRun) landUnsent(ctx context.Context, t *targetRun) {
	l := t.inflight
	if l == nil {
		return
	}
	var c ledger.Commit
	for b := range l.recorded {
		if b > l.sent {
			c.Landed = append(c.Landed, l.id(b))
			delete(l.recorded, b)
		}
	}
	if len(c.Landed) == 0 {
		return
	}
	if err := sr.commit(context.WithoutCancel(ctx), t, c); err != nil {
		t.log.Error("clear the records of batches never sent", "error", err)
	}
}
