package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/onewaysync/oneway/internal/failpoint"
	"golang.org/x/time/rate"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/expr"
	"github.com/onewaysync/oneway/internal/ledger"
)

// targetRun is one target's share of a sync run.
type targetRun struct {
	cfg      *config.Target
	scope    ledger.Scope
	res      *Result
	stored   []any // stored cursor position
	recAt    time.Time
	plan     *spool
	maxPos   []any
	rejected map[string]ledger.Rejected // the scope's rejected records at the start
	resolve  []string                   // rejected keys with nothing left to retry
	// reread holds the rejected keys this run read again (present or filtered out): the fresh read
	// decides them. rewritten holds those for which it planned a write or recorded a new rejection;
	// the others are resolved, as their rejection no longer describes the source.
	reread, rewritten map[string]bool
	// pendingRejects are records that failed before reaching the target (the map), stored by apply.
	pendingRejects []ledger.Rejected
	err            error         // set when this target failed; the others go on
	limiter        *rate.Limiter // rate_limit; nil when unlimited
	log            *slog.Logger
	// intents are writes to a NonIdempotent target whose outcome a crash left unknown; assumed are the
	// ledger entries of those that delivery: at-most-once takes as delivered.
	intents       map[string]string
	assumed       []ledger.Entry
	nonIdempotent bool // the writer cannot upsert: intents are recorded before each send
	// unknownOutcome are the keys whose send failed in a way that may hide a delivery (at-most-once):
	// their intents are kept.
	unknownOutcome map[string]bool
	// orphanBatches are the inflight batches of an earlier, crashed run that this run's complete read
	// settled; they are cleared when it succeeds, unless the target refused one of their removals
	// (orphanFailed): then they stay, and the next complete read plans that removal again.
	orphanBatches []int64
	orphanFailed  bool
	// orphans are the entries of the inflight batches found at the start: those of earlier runs.
	orphanIDs []int64
	orphans   []ledger.Entry
	// held counts the present records whose key the ledger holds as Live or Pending: when it equals the
	// session's Held, nothing is to be removed.
	held int
	// inflight records the planned creates before anything is sent (runs only; nil in a plan).
	inflight *inflightLog
	finished bool // apply recorded the end of this target's run
}

func (t *targetRun) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// syncRun is the state of one sync's execution.
type syncRun struct {
	e        *Engine
	sy       *config.Sync
	opts     Options
	targets  []*targetRun
	session  ledger.Session
	readMode string
	complete bool // the read covered the whole stream: removals may be planned
	read     int
	noCursor atomic.Int64 // records read without a cursor field
	log      *slog.Logger
}

func (e *Engine) executeSync(ctx context.Context, spec *config.Spec, sy *config.Sync, opts Options) []*Result {
	start := e.now()
	sr := &syncRun{e: e, sy: sy, opts: opts, log: e.logger().With("sync", sy.Name)}
	results := make([]*Result, len(sy.Targets))
	for i, tc := range sy.Targets {
		res := &Result{Sync: sy.Name, Tenant: sy.Tenant, Target: tc.ID(), Status: StatusPlanned}
		results[i] = res
		sr.targets = append(sr.targets, &targetRun{
			cfg: tc, res: res, scope: ledger.Scope{Sync: sy.Name, Target: tc.ID()},
			log: sr.log.With("target", tc.ID()),
		})
	}
	err := sr.execute(ctx, spec)
	for _, t := range sr.targets {
		t.plan.close()
		t.res.ReadMode = sr.readMode
		t.res.Read = sr.read
		t.res.Duration = e.now().Sub(start).Seconds()
		terr := t.err
		if terr == nil {
			terr = err
		}
		switch {
		case terr == nil && opts.Apply:
			t.res.Status = StatusOK
		case terr == nil:
		case errors.Is(terr, errRefused):
			t.res.Status = StatusRefused
			t.res.Error = e.redact(terr.Error())
		default:
			t.res.Status = StatusFailed
			t.res.Error = e.redact(terr.Error())
		}
	}
	return results
}

func (sr *syncRun) execute(ctx context.Context, spec *config.Spec) (err error) {
	e, sy := sr.e, sr.sy
	if sr.opts.Apply {
		unlock, lerr := e.Store.Lock(sy.Name)
		if lerr != nil {
			return lerr
		}
		defer unlock()
		// A run that failed before writing anything is still recorded, so that status shows the sync
		// failing. Entries and cursors stay as they were.
		defer func() {
			if err != nil {
				sr.recordFailure(ctx, err)
			}
		}()
	}
	conns := map[string]connector.Conn{}
	defer func() {
		for name, c := range conns {
			if err := c.Close(); err != nil {
				sr.log.Warn("close connection", "connection", name, "error", e.redact(err.Error()))
			}
		}
	}()
	open := func(name string) (connector.Conn, error) {
		if c, ok := conns[name]; ok {
			return c, nil
		}
		c, err := e.openConn(spec, name)
		if err != nil {
			return nil, err
		}
		conns[name] = c
		return c, nil
	}
	srcConn, err := open(sy.Source.Connection)
	if err != nil {
		return err
	}
	for _, t := range sr.targets {
		cur, rec, err := e.Store.Position(ctx, t.scope)
		if err != nil {
			return err
		}
		if t.stored, err = decodePosition(cur); err != nil {
			return fmt.Errorf("%s: %w", t.scope.Target, err)
		}
		t.recAt = rec
		if t.intents, err = e.Store.Intents(ctx, t.scope); err != nil {
			return err
		}
		rejects, err := e.Store.Rejects(ctx, t.scope)
		if err != nil {
			return err
		}
		t.rejected = make(map[string]ledger.Rejected, len(rejects))
		for _, r := range rejects {
			t.rejected[r.Key] = r
		}
		t.reread, t.rewritten = map[string]bool{}, map[string]bool{}
		if t.orphanIDs, t.orphans, err = e.Store.Inflight(ctx, t.scope); err != nil {
			return err
		}
		if t.plan, err = newSpool(); err != nil {
			return err
		}
	}
	sr.readMode = config.DetectSnapshot
	if sy.Source.Detect == config.DetectCursor && !sr.opts.Full && !sr.reconcileDue() {
		sr.readMode = config.DetectCursor
	}
	if sr.opts.Apply {
		// The run starts now, before planning: its creates are recorded as they are planned.
		for _, t := range sr.targets {
			if t.res.RunID, err = e.Store.StartRun(ctx, t.scope, sr.readMode, e.now()); err != nil {
				return err
			}
			t.inflight = newInflightLog(t.res.RunID, t.cfg)
		}
	}
	session, err := e.Store.Session(ctx)
	if err != nil {
		return err
	}
	defer session.Close()
	sr.session = session
	if sr.readMode == config.DetectSnapshot {
		// Every record comes: the scope's live entries are loaded in one scan instead of looked up.
		for _, t := range sr.targets {
			if _, err := session.Preload(ctx, t.scope); err != nil {
				return err
			}
		}
	}

	readStart := e.now()
	if err := sr.readAndDiff(ctx, srcConn); err != nil {
		return err
	}
	sr.log.Info("read and diffed", "records", sr.read, "mode", sr.readMode, "seconds", e.now().Sub(readStart).Seconds())
	if n := sr.noCursor.Load(); n > 0 {
		sr.log.Warn("records without a cursor field are read again on every run, like those whose cursor is null; check source.cursor if none has it",
			"records", n, "cursor", sy.Source.Cursor)
	}
	failpoint.Hit("after-read")
	for _, t := range sr.targets {
		if err := sr.planRemovalsAndRetries(ctx, t); err != nil {
			t.fail(err)
		}
	}
	if !sr.opts.Apply {
		return nil
	}
	for _, t := range sr.targets {
		conn, err := open(t.cfg.Connection)
		if err != nil {
			t.fail(err)
		}
		sr.apply(ctx, t, conn)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (sr *syncRun) recordFailure(ctx context.Context, cause error) {
	ctx = context.WithoutCancel(ctx)
	for _, t := range sr.targets {
		if t.finished {
			continue
		}
		sr.landUnsent(ctx, t)
		var err error
		if t.res.RunID == 0 {
			t.res.RunID, err = sr.e.Store.StartRun(ctx, t.scope, sr.readMode, sr.e.now())
		}
		if err == nil {
			err = sr.e.Store.FinishRun(ctx, t.res.RunID, ledger.RunFailed, sr.e.redact(cause.Error()), sr.e.now())
		}
		if err != nil {
			t.log.Error("record failed run", "error", err)
		}
	}
}

// readAndDiff reads the source once and plans every target from each batch.
func (sr *syncRun) readAndDiff(ctx context.Context, conn connector.Conn) error {
	sy := sr.sy
	src, ok := conn.(connector.Source)
	if !ok {
		return fmt.Errorf("connection %s cannot be read from (its kind is not a source)", sy.Source.Connection)
	}
	req := connector.ReadRequest{Stream: sy.Source.Stream, Key: sy.Source.Key, BatchSize: sy.Source.BatchSize}
	var reader connector.Reader
	var err error
	if sr.readMode == config.DetectCursor {
		cs, ok := conn.(connector.CursorSource)
		if !ok {
			return fmt.Errorf("connection %s cannot read incrementally (detect: cursor); use detect: snapshot", sy.Source.Connection)
		}
		from := sr.readStart()
		sr.complete = from == nil
		reader, err = cs.ReadCursor(ctx, connector.CursorRequest{ReadRequest: req, Cursor: sy.Source.Cursor, From: from})
	} else {
		sr.complete = true
		reader, err = src.Read(ctx, req)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", sy.Source.Stream, err)
	}
	pre := prefetch(ctx, reader)
	defer pre.Close()
	for {
		recs, err := pre.Next(ctx)
		if errors.Is(err, connector.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s after %d records: %w (nothing was written)", sy.Source.Stream, sr.read, err)
		}
		if err := sr.diffBatch(ctx, recs); err != nil {
			return err
		}
		sr.read += len(recs)
		if sr.e.Progress != nil {
			sr.e.Progress.Read(sy.Name, sr.read)
		}
	}
	// Duplicates are found once every key is in: a record planned twice meanwhile is never applied.
	dups, err := sr.session.Seal(ctx)
	if err != nil {
		return err
	}
	if len(dups) > 0 {
		return fmt.Errorf("duplicate key %s in %s: two records share it (source.key: %v); oneway never merges them, fix the source or the key (nothing was written)",
			dups[0], sy.Source.Stream, sy.Source.Key)
	}
	return nil
}

// reconcileDue reports whether a cursor sync should read a full snapshot this time: some target has
// never been read completely, or its last complete read is older than reconcile_every.
func (sr *syncRun) reconcileDue() bool {
	every := sr.sy.Source.ReconcileEvery
	if every <= 0 {
		return false
	}
	for _, t := range sr.targets {
		if t.stored != nil && sr.e.now().Sub(t.recAt) >= every {
			return true
		}
	}
	return false
}

// readStart is where a cursor read starts: the smallest stored position of the targets (nil when one
// has none), moved back by the lookback.
func (sr *syncRun) readStart() []any {
	var from []any
	for _, t := range sr.targets {
		if t.stored == nil {
			return nil
		}
		if from == nil || comparePositions(t.stored, from) < 0 {
			from = t.stored
		}
	}
	if lb := sr.sy.Source.Lookback; lb > 0 && from != nil {
		if _, ok := from[0].(time.Time); !ok {
			sr.log.Warn("lookback only moves a cursor that holds times back; this one re-reads from its stored value",
				"lookback", lb.String(), "cursor", sr.sy.Source.Cursor, "value", fmt.Sprint(from[0]))
		}
	}
	return startPosition(from, sr.sy.Source.Lookback)
}

// item is one record on its way through a batch.
type item struct {
	skey    string
	src     connector.Record
	mapped  connector.Record
	present bool
	err     error // the filter or map failed for this record
	pos     []any // the record's cursor position (cursor syncs)
}

// prepared is what a record becomes for one target before the ledger is asked: its target key, its
// canonical JSON and that document's hash; err is set when the target key cannot be read (the record
// is rejected).
type prepared struct {
	tkey string
	doc  []byte
	hash string
	err  error
}

// prepare computes a present, mapped record's target key, document and hash for t.
func prepare(t *targetRun, it item) (prepared, error) {
	tvals, err := connector.KeyValues(it.mapped, t.cfg.Key)
	if err != nil {
		return prepared{err: fmt.Errorf("target key: %v", err)}, nil
	}
	tkey, err := connector.EncodeKey(tvals)
	if err != nil {
		return prepared{}, err
	}
	doc, err := connector.CanonicalJSON(map[string]any(it.mapped))
	if err != nil {
		return prepared{}, fmt.Errorf("record %s: %w", it.skey, err)
	}
	return prepared{tkey: tkey, doc: doc, hash: hashDoc(doc)}, nil
}

func (sr *syncRun) diffBatch(ctx context.Context, recs []connector.Record) error {
	sy := sr.sy
	items := make([]item, len(recs))
	errs := make([]error, len(recs))
	// The key, filter and map of each record are independent: they run on every core.
	parallel(len(recs), func(i int) {
		rec := recs[i]
		skey, err := connector.RecordKey(rec, sy.Source.Key)
		if err != nil {
			errs[i] = fmt.Errorf("record %d of %s: %w; every record needs its key (source.key: %v)", sr.read+i+1, sy.Source.Stream, err, sy.Source.Key)
			return
		}
		it := item{skey: skey, src: rec}
		it.present, it.mapped, it.err = sr.transform(rec)
		if sy.Source.Cursor != nil {
			var missing bool
			if it.pos, missing = positionOf(rec, sy.Source.Cursor, sy.Source.Key); missing {
				sr.noCursor.Add(1)
			}
		}
		items[i] = it
	})
	keys := make([]string, len(recs))
	present := make([]bool, len(recs))
	for i, it := range items {
		if errs[i] != nil {
			return errs[i]
		}
		for _, t := range sr.targets {
			if it.pos != nil && (t.maxPos == nil || comparePositions(it.pos, t.maxPos) > 0) {
				t.maxPos = it.pos
			}
		}
		keys[i] = it.skey
		present[i] = it.present
	}
	if err := sr.session.See(ctx, keys, present); err != nil {
		return err
	}
	for _, t := range sr.targets {
		if t.err != nil {
			continue
		}
		if err := sr.diffTarget(ctx, t, items); err != nil {
			t.fail(err)
		}
	}
	return nil
}

// transform applies the filter and the map. A record that fails the filter is absent; one whose
// filter or map fails with an error is present and failed.
func (sr *syncRun) transform(rec connector.Record) (present bool, mapped connector.Record, err error) {
	env := expr.Env{Record: rec, Tenant: sr.sy.TenantFields}
	ok, err := sr.sy.Filter.Match(env)
	if err != nil {
		return true, nil, fmt.Errorf("filter: %w", err)
	}
	if !ok {
		return false, nil, nil
	}
	mapped, err = sr.sy.Map.Apply(env)
	if err != nil {
		return true, nil, fmt.Errorf("map: %w", err)
	}
	return true, mapped, nil
}

func (sr *syncRun) diffTarget(ctx context.Context, t *targetRun, items []item) error {
	preps := make([]prepared, len(items))
	errs := make([]error, len(items))
	same := make([]bool, len(items))
	parallel(len(items), func(i int) {
		if it := items[i]; it.present && it.err == nil {
			preps[i], errs[i] = prepare(t, it)
			// Live with the same hash is unchanged in every mode (see decide): no lookup needed.
			same[i] = errs[i] == nil && preps[i].err == nil && sr.session.Unchanged(t.scope, it.skey, preps[i].hash)
		}
	})
	keys := make([]string, 0, len(items))
	todo := make([]bool, len(items))
	for i, it := range items {
		if errs[i] != nil {
			return errs[i]
		}
		if _, ok := t.rejected[it.skey]; ok {
			t.reread[it.skey] = true
		}
		if !it.present {
			continue
		}
		if same[i] {
			t.res.Unchanged++
			t.held++
			continue
		}
		todo[i] = true
		keys = append(keys, it.skey)
	}
	entries, err := sr.session.Lookup(ctx, t.scope, keys)
	if err != nil {
		return err
	}
	for i, it := range items {
		if !todo[i] {
			continue
		}
		if e, ok := entries[it.skey]; ok && (e.Status == ledger.Live || e.Status == ledger.Pending) {
			t.held++
		}
		if err := sr.planRecord(ctx, t, it, preps[i], entries, false); err != nil {
			return err
		}
	}
	return nil
}

// planRecord decides what a present record needs in one target and spools it. pr is prepare's result
// (ignored when the filter or map failed).
func (sr *syncRun) planRecord(ctx context.Context, t *targetRun, it item, pr prepared, entries map[string]ledger.Entry, retry bool) error {
	if it.err != nil {
		payload, _ := connector.MarshalTyped(map[string]any(it.src))
		t.res.Failed++
		sr.noteFailure(t, it.skey, "map", it.err.Error())
		return sr.rejectNow(t, ledger.Rejected{Key: it.skey, Action: "map", Reason: it.err.Error(), Payload: payload})
	}
	if pr.err != nil {
		t.res.Failed++
		reason := pr.err.Error()
		sr.noteFailure(t, it.skey, "map", reason)
		payload, _ := connector.MarshalTyped(map[string]any(it.src))
		return sr.rejectNow(t, ledger.Rejected{Key: it.skey, Action: "map", Reason: reason, Payload: payload})
	}
	tkey, doc, hash := pr.tkey, pr.doc, pr.hash
	entry, known := entries[it.skey]
	action := decide(t.cfg.Mode, entry, known, hash)
	if action == connector.Unchanged {
		t.res.Unchanged++
		return nil
	}
	if h, ok := t.intents[it.skey]; ok && h == hash && t.cfg.Delivery == config.DeliveryAtMostOnce {
		// An earlier run sent this very record and died before hearing back: it may have arrived, and
		// at-most-once means never sending it twice.
		t.log.Warn("not resending a record whose earlier send has an unknown outcome (delivery: at-most-once)", "key", it.skey)
		t.assumed = append(t.assumed, ledger.Entry{Key: it.skey, TargetKey: tkey, Hash: hash, Doc: doc, Status: ledger.Live})
		t.res.Unchanged++
		return nil
	}
	p := planned{Action: action, Key: it.skey, TKey: tkey, TID: entry.TargetID, Rec: it.mapped, Hash: hash, Doc: doc,
		Retry: retry, Probe: t.cfg.Mode == config.ModeUpdate,
		// A create of a key the ledger does not hold as live, or an update that revives a soft-deleted
		// record, makes a record live that the ledger does not count until the batch is acknowledged:
		// the inflight log lets a run after a crash in between remove it when the source has let it go.
		Fresh: (action == connector.Create || action == connector.Update) && t.cfg.Mode != config.ModeAppend &&
			(!known || entry.Status != ledger.Live)}
	if err := sr.addPlanned(ctx, t, p); err != nil {
		return err
	}
	sr.noteRewritten(t, it.skey)
	sr.count(t, action, 1)
	if action == connector.Update && sr.wantSample(t, action) {
		old, err := sr.session.Doc(ctx, t.scope, it.skey)
		if err != nil {
			return err
		}
		entry.Doc = old
	}
	sr.sample(t, action, it.skey, entry.Doc, doc)
	return nil
}

// decide maps a record's ledger state to an action, per mode.
func decide(mode string, e ledger.Entry, known bool, hash string) connector.Action {
	if known && e.Status == ledger.Dropped {
		if e.Hash == hash {
			return connector.Unchanged
		}
		known = false // a new version of a dropped record is sent as if new
	}
	switch mode {
	case config.ModeCreate:
		if known && e.Status != ledger.Pending {
			return connector.Unchanged // written once when it first appeared; later changes are not sent
		}
		return connector.Create
	case config.ModeAppend:
		if known && e.Hash == hash {
			return connector.Unchanged
		}
		return connector.Create
	case config.ModeUpdate:
		if known && e.Hash == hash {
			return connector.Unchanged
		}
		return connector.Update
	}
	// mirror and upsert
	switch {
	case !known || e.Status == ledger.Deleted || e.Status == ledger.Pending:
		// Pending: sent once, never acknowledged; creates upsert, so sending again is safe.
		return connector.Create
	case e.Status == ledger.SoftDeleted || e.Hash != hash:
		return connector.Update
	}
	return connector.Unchanged
}

func (sr *syncRun) count(t *targetRun, a connector.Action, n int) {
	switch a {
	case connector.Create:
		t.res.Create += n
	case connector.Update:
		t.res.Update += n
	case connector.Delete, connector.SoftDelete:
		t.res.Delete += n
	}
}

// rejectNow records a failure found while planning (the map failed). During a plan it is only reported.
func (sr *syncRun) rejectNow(t *targetRun, r ledger.Rejected) error {
	sr.noteRewritten(t, r.Key)
	if !sr.opts.Apply {
		return nil
	}
	t.pendingRejects = append(t.pendingRejects, r)
	return nil
}

// noteRewritten marks a rejected key for which this run planned a write or a new rejection.
func (sr *syncRun) noteRewritten(t *targetRun, key string) {
	if _, ok := t.rejected[key]; ok {
		t.rewritten[key] = true
	}
}

func (sr *syncRun) noteFailure(t *targetRun, skey, action, reason string) {
	if len(t.res.Failures) < maxFailuresShown {
		t.res.Failures = append(t.res.Failures, Failure{Key: json.RawMessage(skey), Action: action, Reason: sr.e.redact(reason)})
	}
}

// wantSample reports whether another example of action a is wanted.
func (sr *syncRun) wantSample(t *targetRun, a connector.Action) bool {
	if sr.opts.Samples < 0 {
		return false
	}
	n := 0
	for _, s := range t.res.Samples {
		if s.Action == a.String() {
			n++
		}
	}
	return n < sr.opts.Samples
}

func (sr *syncRun) sample(t *targetRun, a connector.Action, skey string, oldDoc, newDoc []byte) {
	if !sr.wantSample(t, a) {
		return
	}
	s := Sample{Action: a.String(), Key: json.RawMessage(skey)}
	if a == connector.Update && oldDoc != nil {
		s.Changes = fieldChanges(oldDoc, newDoc)
	} else {
		var m map[string]any
		if json.Unmarshal(newDoc, &m) == nil {
			s.Record = m
		}
	}
	t.res.Samples = append(t.res.Samples, s)
}

// fieldChanges compares two canonical docs field by field.
func fieldChanges(oldDoc, newDoc []byte) []FieldChange {
	var o, n map[string]any
	if json.Unmarshal(oldDoc, &o) != nil || json.Unmarshal(newDoc, &n) != nil {
		return nil
	}
	var out []FieldChange
	for _, f := range connector.Record(n).Fields() {
		ob, _ := json.Marshal(o[f])
		nb, _ := json.Marshal(n[f])
		if _, had := o[f]; !had || string(ob) != string(nb) {
			out = append(out, FieldChange{Field: f, Old: o[f], New: n[f]})
		}
	}
	for _, f := range connector.Record(o).Fields() {
		if _, has := n[f]; !has {
			out = append(out, FieldChange{Field: f, Old: o[f], New: nil})
		}
	}
	return out
}

// planRemovalsAndRetries adds, after the read, the removals (complete reads only) and the rejected
// records that the read did not bring again (incomplete reads), then applies the delete guard.
func (sr *syncRun) planRemovalsAndRetries(ctx context.Context, t *targetRun) error {
	if t.err != nil {
		return t.err
	}
	rejectedKeys := make([]string, 0, len(t.rejected))
	for key := range t.rejected {
		rejectedKeys = append(rejectedKeys, key)
	}
	slices.Sort(rejectedKeys) // retried in key order, the same every run
	for _, key := range rejectedKeys {
		r := t.rejected[key]
		if t.reread[key] {
			// The fresh read planned it again, or found it unchanged or filtered out: then the stored
			// version is stale and replaying it later would undo the source's latest state.
			if !t.rewritten[key] {
				t.resolve = append(t.resolve, key)
			}
			continue
		}
		if sr.complete {
			t.resolve = append(t.resolve, key) // gone from the source (or filtered out): nothing to retry
			continue
		}
		if err := sr.planRetry(ctx, t, r); err != nil {
			return err
		}
	}
	cfg := t.cfg
	if !sr.complete || cfg.Mode != config.ModeMirror || cfg.OnDelete == config.OnDeleteIgnore {
		return nil
	}
	removals := 0
	removal := func(orphan bool) func(ledger.Entry) error {
		return func(en ledger.Entry) error {
			p := planned{Action: connector.Delete, Key: en.Key, TKey: en.TargetKey, TID: en.TargetID, Hash: en.Hash, Doc: en.Doc, Orphan: orphan}
			if cfg.OnDelete == config.OnDeleteSoft {
				p.Action = connector.SoftDelete
				p.Rec = cfg.SoftDelete
			}
			removals++
			sr.count(t, p.Action, 1)
			sr.sample(t, p.Action, en.Key, nil, en.Doc)
			sr.noteRewritten(t, en.Key)
			return sr.addPlanned(ctx, t, p)
		}
	}
	if n, ok := sr.session.Held(t.scope); !ok || n != t.held {
		// Some held entries were not seen present (or the count is unknown): find them.
		if err := sr.session.Unseen(ctx, t.scope, removal(false)); err != nil {
			return err
		}
	}
	if err := sr.planOrphans(ctx, t, removal(true)); err != nil {
		return err
	}
	// A rejected removal planned again is settled by its new outcome, not resolved up front.
	t.resolve = slices.DeleteFunc(t.resolve, func(key string) bool { return t.rewritten[key] })
	if removals == 0 || sr.opts.AllowMassDelete {
		return nil
	}
	live, err := sr.e.Store.CountLive(ctx, t.scope)
	if err != nil {
		return err
	}
	if live > 0 && float64(removals)/float64(live) > cfg.MaxDeleteRatio {
		return fmt.Errorf("%w: the run would remove %d of %d records (%.0f%%) from %s, more than max_delete_ratio %.0f%%; nothing was written to it. Check the source, then rerun with --allow-mass-delete (or raise max_delete_ratio)",
			errRefused, removals, live, 100*float64(removals)/float64(live), t.scope.Target, 100*cfg.MaxDeleteRatio)
	}
	return nil
}

// planOrphans removes the records of batches a crashed run sent without hearing back, when the source no
// longer has them and the ledger does not hold them (held ones are removals already).
func (sr *syncRun) planOrphans(ctx context.Context, t *targetRun, remove func(ledger.Entry) error) error {
	ids, entries := t.orphanIDs, t.orphans
	if len(ids) == 0 {
		return nil
	}
	t.orphanBatches = ids
	keys := make([]string, len(entries))
	for i, en := range entries {
		keys[i] = en.Key
	}
	present, err := sr.session.Present(ctx, keys)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, en := range entries {
		if done[en.Key] || present[en.Key] {
			continue
		}
		done[en.Key] = true
		held, err := sr.session.Lookup(ctx, t.scope, []string{en.Key})
		if err != nil {
			return err
		}
		if e, ok := held[en.Key]; ok && (e.Status == ledger.Live || e.Status == ledger.Pending) {
			continue
		}
		if err := remove(en); err != nil {
			return err
		}
	}
	return nil
}

// planPrepared prepares and plans one record again from the rejected list.
func (sr *syncRun) planPrepared(ctx context.Context, t *targetRun, it item, entries map[string]ledger.Entry) error {
	var pr prepared
	if it.err == nil {
		var err error
		if pr, err = prepare(t, it); err != nil {
			return err
		}
	}
	return sr.planRecord(ctx, t, it, pr, entries, true)
}

// planRetry plans a rejected record again from its stored payload, for reads that did not bring it.
func (sr *syncRun) planRetry(ctx context.Context, t *targetRun, r ledger.Rejected) error {
	entries, err := sr.session.Lookup(ctx, t.scope, []string{r.Key})
	if err != nil {
		return err
	}
	switch r.Action {
	case "map":
		rec, err := connector.UnmarshalTypedRecord(r.Payload)
		if err != nil {
			return fmt.Errorf("rejected record %s: %w", r.Key, err)
		}
		it := item{skey: r.Key, src: rec}
		it.present, it.mapped, it.err = sr.transform(rec)
		if !it.present {
			t.resolve = append(t.resolve, r.Key)
			return nil
		}
		return sr.planPrepared(ctx, t, it, entries)
	case connector.Delete.String(), connector.SoftDelete.String():
		en, ok := entries[r.Key]
		if !ok || (en.Status != ledger.Live && en.Status != ledger.Pending) {
			t.resolve = append(t.resolve, r.Key)
			return nil
		}
		if en.Doc, err = sr.session.Doc(ctx, t.scope, en.Key); err != nil {
			return err
		}
		p := planned{Action: connector.Delete, Key: en.Key, TKey: en.TargetKey, TID: en.TargetID, Hash: en.Hash, Doc: en.Doc, Retry: true}
		if r.Action == connector.SoftDelete.String() {
			p.Action = connector.SoftDelete
			p.Rec = t.cfg.SoftDelete
		}
		sr.count(t, p.Action, 1)
		return sr.addPlanned(ctx, t, p)
	default:
		rec, err := connector.UnmarshalTypedRecord(r.Payload)
		if err != nil {
			return fmt.Errorf("rejected record %s: %w", r.Key, err)
		}
		return sr.planPrepared(ctx, t, item{skey: r.Key, mapped: rec, present: true}, entries)
	}
}
