package engine

import (
	"context"
	"errors"
	"fmt"
	"github.com/onewaysync/oneway/internal/failpoint"
	"golang.org/x/time/rate"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/ledger"
)

// apply writes a target's spooled plan in batches. After each batch the target acknowledged, one state
// transaction stores the acknowledged records' entries, the rejected ones and the run's counters; the
// cursor moves last, once every change was acknowledged or kept as rejected. For a Committer target the
// ledger moves only after Commit.
func (sr *syncRun) apply(ctx context.Context, t *targetRun, conn connector.Conn) {
	e := sr.e
	applyStart := e.now()
	if t.res.RunID == 0 { // a repair by verify: runs start as they plan
		runID, err := e.Store.StartRun(ctx, t.scope, sr.readMode, applyStart)
		if err != nil {
			t.fail(err)
			return
		}
		t.res.RunID = runID
	}
	runID := t.res.RunID
	t.finished = true
	// Rows of batches never sent go whatever the outcome; they are recorded while planning.
	defer sr.landUnsent(ctx, t)
	plannedCounts := ledger.Counts{Create: t.res.Create, Update: t.res.Update, Delete: t.res.Delete}
	// From here the counts say what was done, not what was planned.
	t.res.Create, t.res.Update, t.res.Delete = 0, 0, 0
	defer func() {
		status, text := ledger.RunOK, ""
		switch {
		case errors.Is(t.err, errRefused):
			status, text = ledger.RunRefused, e.redact(t.err.Error())
		case t.err != nil:
			status, text = ledger.RunFailed, e.redact(t.err.Error())
		}
		// The run's end is recorded even when ctx was cancelled (SIGINT): use a fresh context.
		if err := e.Store.FinishRun(context.WithoutCancel(ctx), runID, status, text, e.now()); err != nil {
			t.log.Error("record end of run", "error", err)
		}
	}()
	if t.err != nil {
		// Planning failed or a guard refused: nothing is written, but the map failures are kept.
		_ = sr.commit(ctx, t, ledger.Commit{Reject: t.pendingRejects, Counts: ledger.Counts{Failed: len(t.pendingRejects)}})
		return
	}
	target, ok := conn.(connector.Target)
	if !ok {
		t.fail(fmt.Errorf("connection %s cannot be written to (its kind is not a target)", t.cfg.Connection))
		return
	}
	total := plannedCounts.Create + plannedCounts.Update + plannedCounts.Delete
	req := connector.WriteRequest{
		Stream: t.cfg.Stream, Key: t.cfg.Key, Fields: sr.sy.Map.Fields(),
		Append: t.cfg.Mode == config.ModeAppend, Match: t.cfg.Match, Options: t.cfg.Options,
	}
	// A target that is briefly unreachable as the run begins is waited for like a failed batch.
	w, err := do(ctx, e.retryPolicy(t.log), func() (connector.Writer, error) { return target.OpenWriter(ctx, req) })
	if err != nil {
		t.fail(fmt.Errorf("open %s: %w", t.scope.Target, err))
		return
	}
	defer w.Close()
	committer, deferred := w.(connector.Committer)
	var held []ledger.Commit
	commit := func(c ledger.Commit) error {
		if deferred {
			held = append(held, c)
			return nil
		}
		return sr.commit(ctx, t, c)
	}
	first := ledger.Commit{Reject: t.pendingRejects, Counts: ledger.Counts{Failed: len(t.pendingRejects)}, Entries: t.assumed}
	for _, en := range t.assumed {
		first.Clear = append(first.Clear, en.Key)
	}
	if err := commit(first); err != nil {
		t.fail(err)
		return
	}
	ni, ok := w.(connector.NonIdempotent)
	t.nonIdempotent = ok && ni.NonIdempotent()
	if r := t.cfg.RateLimit; r > 0 {
		// A batch never exceeds one second's allowance, so the limit holds within each second too.
		t.limiter = rate.NewLimiter(rate.Limit(r), max(1, int(r)))
	}
	if t.inflight == nil {
		if err := sr.logSpooled(ctx, t); err != nil {
			t.fail(err)
			return
		}
	}
	if err := sr.recordInflight(ctx, t); err != nil { // the last, partial batch of the plan
		t.fail(err)
		return
	}
	// Batches are cut as the inflight log numbered them.
	batchSize := t.inflight.size
	// The ledger stores batch N while the target takes batch N+1, unless a batch must wait for durable
	// intents (NonIdempotent) or the target holds its writes until Commit.
	var pipe *commitPipe
	if !deferred && !t.nonIdempotent {
		pipe = newCommitPipe(commit)
	}
	done := 0
	acknowledged := func(n int) func() {
		return func() {
			failpoint.Hit("after-ledger-commit")
			done += n
			if e.Progress != nil {
				e.Progress.Applied(sr.sy.Name, t.scope.Target, done, total)
			}
		}
	}
	var batchNo int64
	err = t.plan.each(batchSize, func(batch []planned) error {
		if pipe != nil {
			if err := pipe.failed(); err != nil {
				return err
			}
		}
		batchNo++
		c, err := sr.applyPlannedBatch(ctx, t, w, batch, batchNo)
		if err != nil {
			return err
		}
		if pipe != nil {
			return pipe.send(c, acknowledged(len(batch)))
		}
		if err := commit(c); err != nil {
			return err
		}
		acknowledged(len(batch))()
		return nil
	})
	if pipe != nil {
		if perr := pipe.close(); err == nil {
			err = perr
		}
	}
	if err != nil {
		t.fail(fmt.Errorf("write %s: %w", t.scope.Target, err))
		return
	}
	if deferred {
		if err := committer.Commit(ctx); err != nil {
			t.fail(fmt.Errorf("commit %s: %w (nothing of this run was kept)", t.scope.Target, err))
			return
		}
		for _, c := range held {
			if err := sr.commit(ctx, t, c); err != nil {
				t.fail(err)
				return
			}
		}
	}
	t.log.Info("applied", "run", runID, "changes", done, "seconds", e.now().Sub(applyStart).Seconds())
	final := ledger.Commit{Resolve: t.resolve, Counts: ledger.Counts{Unchanged: t.res.Unchanged}}
	if !t.orphanFailed {
		final.Landed = t.orphanBatches
	}
	if t.maxPos != nil {
		if final.Cursor, err = encodePosition(t.maxPos); err != nil {
			t.fail(err)
			return
		}
	}
	if sr.complete {
		final.Reconciled = e.now()
	}
	if err := sr.commit(ctx, t, final); err != nil {
		t.fail(err)
	}
}

// applyPlannedBatch sends batch number batchNo of the plan and returns the ledger commit of its
// acknowledgement, which lands the batch's inflight row.
func (sr *syncRun) applyPlannedBatch(ctx context.Context, t *targetRun, w connector.Writer, batch []planned, batchNo int64) (ledger.Commit, error) {
	var landed []int64
	if l := t.inflight; l.recorded[batchNo] {
		delete(l.recorded, batchNo)
		landed = append(landed, l.id(batchNo))
	}
	t.inflight.sent = batchNo
	if t.nonIdempotent {
		// The intent is durable before the send: after a crash the next run knows these may have
		// arrived (see delivery in docs/config.md).
		intend := ledger.Commit{Intend: map[string]string{}}
		for _, p := range batch {
			if p.Action == connector.Create || p.Action == connector.Update {
				intend.Intend[p.Key] = p.Hash
			}
		}
		if err := sr.commit(ctx, t, intend); err != nil {
			return ledger.Commit{}, err
		}
	}
	c, redo, err := sr.applyBatch(ctx, t, w, batch)
	if err != nil {
		return ledger.Commit{}, err
	}
	failpoint.Hit("after-target-write")
	if len(redo) > 0 {
		// Updates of records gone from the target (deleted behind oneway's back) are created again.
		c2, _, err := sr.applyBatch(ctx, t, w, redo)
		if err != nil {
			return ledger.Commit{}, err
		}
		mergeCommit(&c, c2)
	}
	c.Landed = append(c.Landed, landed...)
	if t.nonIdempotent {
		for _, p := range batch {
			if !t.unknownOutcome[p.Key] {
				c.Clear = append(c.Clear, p.Key)
			}
		}
	}
	return c, nil
}

// commit stores c in the ledger. It is not cancelled with ctx: what a target acknowledged before an
// interrupt (SIGINT) is recorded, or the next run would send it again.
func (sr *syncRun) commit(ctx context.Context, t *targetRun, c ledger.Commit) error {
	ctx = context.WithoutCancel(ctx)
	c.Scope, c.RunID = t.scope, t.res.RunID
	return sr.e.Store.Commit(ctx, c)
}

func mergeCommit(dst *ledger.Commit, src ledger.Commit) {
	dst.Entries = append(dst.Entries, src.Entries...)
	dst.Forget = append(dst.Forget, src.Forget...)
	dst.Reject = append(dst.Reject, src.Reject...)
	dst.Resolve = append(dst.Resolve, src.Resolve...)
	dst.Counts.Add(src.Counts)
}

// applyBatch sends one batch and turns the target's answers into a ledger commit. redo holds updates the
// target did not find, to be sent again as creates (mirror and upsert).
func (sr *syncRun) applyBatch(ctx context.Context, t *targetRun, w connector.Writer, batch []planned) (ledger.Commit, []planned, error) {
	changes := make([]connector.Change, len(batch))
	for i, p := range batch {
		ch, err := toChange(p)
		if err != nil {
			return ledger.Commit{}, nil, err
		}
		changes[i] = ch
	}
	results, err := sr.applyRetrying(ctx, t, w, changes)
	if err != nil {
		return ledger.Commit{}, nil, err
	}
	c := ledger.Commit{Entries: make([]ledger.Entry, 0, len(batch))}
	var redo []planned
	for i, r := range results {
		p := batch[i]
		if r.Err != nil {
			switch {
			case errors.Is(r.Err, connector.ErrNotFound) && p.Action == connector.Update && p.Probe:
				// mode update: the target does not hold it; remember the hash so it is not probed again
				// until it changes.
				c.Entries = append(c.Entries, ledger.Entry{Key: p.Key, TargetKey: p.TKey, Hash: p.Hash, Doc: p.Doc, Status: ledger.Deleted})
				t.res.Skipped++
				continue
			case errors.Is(r.Err, connector.ErrNotFound) && p.Action == connector.Update:
				p.Action, p.Redo = connector.Create, true
				redo = append(redo, p)
				continue
			case errors.Is(r.Err, connector.ErrNotFound) && p.Action == connector.SoftDelete:
				r.Err = nil // already gone: the outcome a removal wants
			case t.mayHaveDelivered(r.Err):
				// Its intent stays: the next run takes it as delivered, as after a crash, instead of
				// sending it again from the rejected list.
				reason := sr.e.redact(r.Err.Error()) + " (the outcome is unknown; delivery: at-most-once does not send it again)"
				if t.unknownOutcome == nil {
					t.unknownOutcome = map[string]bool{}
				}
				t.unknownOutcome[p.Key] = true
				c.Counts.Failed++
				t.res.Failed++
				sr.noteFailure(t, p.Key, p.Action.String(), reason)
				t.log.Warn("a send's outcome is unknown; not sending it again (delivery: at-most-once)", "key", p.Key, "error", reason)
				continue
			case p.Key == "":
				// A repair's removal of a record no source record maps to: the rejected list, keyed by
				// source key, has no place for it; verify finds it again.
				reason := sr.e.redact(r.Err.Error())
				c.Counts.Failed++
				t.res.Failed++
				sr.noteFailure(t, p.TKey, p.Action.String(), reason)
				continue
			default:
				reason := sr.e.redact(r.Err.Error())
				payload, err := connector.MarshalTyped(map[string]any(p.Rec))
				if err != nil {
					return ledger.Commit{}, nil, fmt.Errorf("record %s: %w", p.Key, err)
				}
				c.Reject = append(c.Reject, ledger.Rejected{Key: p.Key, TargetKey: p.TKey, Action: p.Action.String(), Reason: reason, Payload: payload})
				if p.Orphan {
					t.orphanFailed = true // its inflight row is what remembers it: keep it
				}
				c.Counts.Failed++
				t.res.Failed++
				sr.noteFailure(t, p.Key, p.Action.String(), reason)
				continue
			}
		}
		if p.Key == "" {
			// A repair of a record no source record maps to (verify found it extra): nothing to keep.
			c.Counts.Delete++
			t.res.Delete++
			continue
		}
		en := ledger.Entry{Key: p.Key, TargetKey: p.TKey, TargetID: r.ID, Hash: p.Hash, Doc: p.Doc, Status: ledger.Live}
		if en.TargetID == "" {
			en.TargetID = p.TID
		}
		switch p.Action {
		case connector.Create:
			c.Counts.Create++
			t.res.Create++
		case connector.Update:
			c.Counts.Update++
			t.res.Update++
		case connector.Delete:
			en.Status = ledger.Deleted
			c.Counts.Delete++
			t.res.Delete++
		case connector.SoftDelete:
			en.Status = ledger.SoftDeleted
			c.Counts.Delete++
			t.res.Delete++
		}
		c.Entries = append(c.Entries, en)
		if _, was := t.rejected[p.Key]; was {
			c.Resolve = append(c.Resolve, p.Key)
		}
	}
	return c, redo, nil
}

// mayHaveDelivered reports whether a record's transient failure leaves its delivery to a target that
// cannot upsert unknown under delivery: at-most-once (a timeout may hide a delivery); a server that said
// "retry after" (429) did not take it, and a change the writer says it never sent (connector.NotSent)
// did not arrive.
func (t *targetRun) mayHaveDelivered(err error) bool {
	if !t.nonIdempotent || t.cfg.Delivery != config.DeliveryAtMostOnce || !connector.IsRetryable(err) || connector.IsNotSent(err) {
		return false
	}
	_, refused := connector.RetryAfterOf(err)
	return !refused
}

func toChange(p planned) (connector.Change, error) {
	key, err := connector.DecodeKey(p.TKey)
	if err != nil {
		return connector.Change{}, err
	}
	return connector.Change{Action: p.Action, Key: key, ID: p.TID, Record: p.Rec}, nil
}

// applyRetrying applies a batch, retrying a batch that failed transiently and then, within the same
// policy, the single records whose results were transient (an HTTP target answering 429 for record 57
// of 100). Writers are idempotent (see connector.Writer), so sending again is safe; for NonIdempotent
// writers the intents recorded before sending make a repeat visible.
func (sr *syncRun) applyRetrying(ctx context.Context, t *targetRun, w connector.Writer, changes []connector.Change) ([]connector.Result, error) {
	policy := sr.e.retryPolicy(t.log)
	batchPolicy := policy
	if t.nonIdempotent && t.cfg.Delivery == config.DeliveryAtMostOnce {
		// A batch that failed as a whole may have been delivered in part: never send it again.
		batchPolicy.tries = 1
	}
	apply := func(batch []connector.Change) ([]connector.Result, error) {
		if t.limiter != nil {
			if err := t.limiter.WaitN(ctx, len(batch)); err != nil {
				return nil, err
			}
		}
		wctx, cancel := ctx, context.CancelFunc(func() {})
		if t.cfg.WriteTimeout > 0 {
			wctx, cancel = context.WithTimeout(ctx, t.cfg.WriteTimeout)
		}
		results, err := w.Apply(wctx, batch)
		timedOut := wctx.Err() != nil && ctx.Err() == nil
		cancel()
		if err != nil && timedOut {
			err = connector.Transient(fmt.Errorf("batch write took longer than write_timeout %v: %w", t.cfg.WriteTimeout, err))
		}
		if err == nil && len(results) != len(batch) {
			err = fmt.Errorf("connector returned %d results for %d changes (a connector bug)", len(results), len(batch))
		}
		return results, err
	}
	results, err := do(ctx, batchPolicy, func() ([]connector.Result, error) { return apply(changes) })
	if err != nil {
		return nil, err
	}
	waits := policy.waits()
	for attempt := 1; attempt < policy.tries; attempt++ {
		var again []int
		var last error
		for i, r := range results {
			if r.Err == nil || !connector.IsRetryable(r.Err) {
				continue
			}
			if t.mayHaveDelivered(r.Err) {
				continue // at most once: not sent again (see mayHaveDelivered)
			}
			again = append(again, i)
			last = r.Err
		}
		if len(again) == 0 {
			break
		}
		wait := waits.next(last)
		policy.announce(attempt, wait, last)
		if err := policy.sleep(ctx, wait); err != nil {
			break
		}
		retry := make([]connector.Change, len(again))
		for j, i := range again {
			retry[j] = changes[i]
		}
		rr, err := do(ctx, batchPolicy, func() ([]connector.Result, error) { return apply(retry) })
		if err != nil {
			return nil, err
		}
		for j, i := range again {
			results[i] = rr[j]
		}
	}
	return results, nil
}
