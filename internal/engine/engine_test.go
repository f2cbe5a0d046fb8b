package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/memory"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/expr"
	"github.com/onewaysync/oneway/internal/ledger"
)

// harness runs one sync from the memory stream "people" (key id) to memory targets, with a real SQLite
// ledger in a temporary directory.
type harness struct {
	t     *testing.T
	mem   *memory.Store
	spec  *config.Spec
	sync  *config.Sync
	state string
}

func newHarness(t *testing.T, targets ...*config.Target) *harness {
	t.Helper()
	mem := memory.NewStore()
	mem.SetKey("people", "id")
	dir := t.TempDir()
	if len(targets) == 0 {
		targets = []*config.Target{target("out")}
	}
	sy := &config.Sync{
		Name:    "people-sync",
		Source:  config.Source{Connection: "src", Stream: "people", Key: []string{"id"}, Detect: config.DetectSnapshot, BatchSize: 3},
		Targets: targets,
	}
	spec := &config.Spec{
		Path: filepath.Join(dir, "oneway.yaml"), Dir: dir, State: filepath.Join(dir, ".oneway", "state.db"),
		Connections: map[string]*config.Connection{
			"src": {Name: "src", Kind: "memory"},
			"dst": {Name: "dst", Kind: "memory"},
		},
		Syncs: []*config.Sync{sy},
	}
	return &harness{t: t, mem: mem, spec: spec, sync: sy, state: spec.State}
}

// target returns a mirror target on the memory stream name, keyed by id, created on first use.
func target(stream string) *config.Target {
	return &config.Target{Connection: "dst", Stream: stream, Key: []string{"id"}, Mode: config.ModeMirror,
		OnDelete: config.OnDeleteDelete, MaxDeleteRatio: 1, BatchSize: 2,
		Options: connector.Settings{"create_table": true}}
}

func (h *harness) execute(opts engine.Options) *engine.Report {
	h.t.Helper()
	rep, err := h.executeCtx(context.Background(), opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return rep
}

// executeCtx runs on ctx, which a test may cancel; a cancelled run returns an error.
func (h *harness) executeCtx(ctx context.Context, opts engine.Options) (*engine.Report, error) {
	h.t.Helper()
	st, err := ledger.OpenSQLite(ctx, h.state, !opts.Apply)
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	reg := connector.NewRegistry()
	memory.Register(reg, h.mem)
	eng := &engine.Engine{Registry: reg, Store: st}
	return eng.Execute(ctx, h.spec, h.spec.Syncs, opts)
}

func (h *harness) run() *engine.Result          { return h.execute(engine.Options{Apply: true}).Results[0] }
func (h *harness) plan() *engine.Result         { return h.execute(engine.Options{}).Results[0] }
func (h *harness) put(recs ...connector.Record) { h.mem.Put("people", recs...) }

func person(id int64, name, status string) connector.Record {
	return connector.Record{"id": id, "name": name, "status": status, "secret_note": "n"}
}

type counts struct{ create, update, delete, unchanged, failed int }

func got(r *engine.Result) counts {
	return counts{r.Create, r.Update, r.Delete, r.Unchanged, r.Failed}
}

func wantCounts(t *testing.T, r *engine.Result, want counts) {
	t.Helper()
	if g := got(r); g != want {
		t.Fatalf("counts = %+v, want %+v (status %s, error %q, failures %v)", g, want, r.Status, r.Error, r.Failures)
	}
}

func mustMap(t *testing.T, fields map[string]string) *expr.Mapping {
	t.Helper()
	var fs []expr.Field
	for name, src := range fields {
		v, err := expr.CompileValue(src)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, expr.Field{Name: name, Value: v})
	}
	m, err := expr.NewMapping(fs...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustFilter(t *testing.T, src string) *expr.Filter {
	t.Helper()
	f, err := expr.CompileFilter(src)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func names(recs []connector.Record) map[int64]string {
	out := map[int64]string{}
	for _, r := range recs {
		out[r["id"].(int64)] = fmt.Sprint(r["name"])
	}
	return out
}

func TestIncrementalIdempotentMirror(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "Ada", "hired"), person(2, "Grace", "hired"), person(3, "Linus", "new"))
	wantCounts(t, h.run(), counts{create: 3})
	calls, _ := h.mem.Applied("out")

	// A second run writes nothing.
	r := h.run()
	wantCounts(t, r, counts{unchanged: 3})
	if c, _ := h.mem.Applied("out"); c != calls {
		t.Fatalf("second run called Apply %d more times", c-calls)
	}

	// One update, one delete, one new record: only those are written.
	h.put(person(2, "Grace Hopper", "hired"), person(4, "Barbara", "hired"))
	h.mem.Delete("people", int64(3))
	wantCounts(t, h.run(), counts{create: 1, update: 1, delete: 1, unchanged: 1})
	if want := map[int64]string{1: "Ada", 2: "Grace Hopper", 4: "Barbara"}; fmt.Sprint(names(h.mem.Records("out"))) != fmt.Sprint(want) {
		t.Fatalf("target = %v, want %v", names(h.mem.Records("out")), want)
	}
	wantCounts(t, h.run(), counts{unchanged: 3})
}

func TestMapAndFilterSelectiveCopy(t *testing.T) {
	h := newHarness(t)
	h.sync.Filter = mustFilter(t, `record.status == "hired"`)
	h.sync.Map = mustMap(t, map[string]string{"id": "record.id", "full_name": "upper(record.name)"})
	h.put(person(1, "Ada", "hired"), person(2, "Grace", "new"))
	wantCounts(t, h.run(), counts{create: 1})
	recs := h.mem.Records("out")
	if len(recs) != 1 || recs[0]["full_name"] != "ADA" || recs[0]["secret_note"] != nil {
		t.Fatalf("target = %v", recs)
	}
	// A change in a field the map does not copy writes nothing.
	h.put(connector.Record{"id": int64(1), "name": "Ada", "status": "hired", "secret_note": "changed"})
	wantCounts(t, h.run(), counts{unchanged: 1})
	// Grace is hired: created. Ada no longer passes the filter: counts as absent, removed.
	h.put(person(1, "Ada", "left"), person(2, "Grace", "hired"))
	wantCounts(t, h.run(), counts{create: 1, delete: 1})
	if recs := h.mem.Records("out"); len(recs) != 1 || recs[0]["full_name"] != "GRACE" {
		t.Fatalf("target = %v", h.mem.Records("out"))
	}
}

func TestModes(t *testing.T) {
	tests := []struct {
		mode, onDelete string
		// after: update Ada, delete Grace, add Linus
		want   counts
		target map[int64]string
	}{
		{config.ModeMirror, config.OnDeleteDelete, counts{create: 1, update: 1, delete: 1}, map[int64]string{1: "Ada L", 3: "Linus"}},
		{config.ModeMirror, config.OnDeleteIgnore, counts{create: 1, update: 1}, map[int64]string{1: "Ada L", 2: "Grace", 3: "Linus"}},
		{config.ModeUpsert, "", counts{create: 1, update: 1}, map[int64]string{1: "Ada L", 2: "Grace", 3: "Linus"}},
		{config.ModeCreate, "", counts{create: 1, unchanged: 1}, map[int64]string{1: "Ada", 2: "Grace", 3: "Linus"}},
	}
	for _, tc := range tests {
		t.Run(tc.mode+"/"+tc.onDelete, func(t *testing.T) {
			tg := target("out")
			tg.Mode, tg.OnDelete = tc.mode, tc.onDelete
			h := newHarness(t, tg)
			h.put(person(1, "Ada", "x"), person(2, "Grace", "x"))
			wantCounts(t, h.run(), counts{create: 2})
			h.put(person(1, "Ada L", "x"), person(3, "Linus", "x"))
			h.mem.Delete("people", int64(2))
			wantCounts(t, h.run(), tc.want)
			if g := names(h.mem.Records("out")); fmt.Sprint(g) != fmt.Sprint(tc.target) {
				t.Fatalf("target = %v, want %v", g, tc.target)
			}
		})
	}
}

func TestSoftDeleteAndComeBack(t *testing.T) {
	h := softDeleteHarness(t)
	h.put(person(1, "Ada", "x"), person(2, "Grace", "x"))
	wantCounts(t, h.run(), counts{create: 2})
	h.mem.Delete("people", int64(2))
	wantCounts(t, h.run(), counts{delete: 1, unchanged: 1})
	for _, r := range h.mem.Records("out") {
		if want := r["id"] == int64(1); r["active"] != want {
			t.Fatalf("record %v: active = %v, want %v", r["id"], r["active"], want)
		}
	}
	// Soft-deleted, then back at the source: updated back to its mapped values.
	h.put(person(2, "Grace", "x"))
	wantCounts(t, h.run(), counts{update: 1, unchanged: 1})
	for _, r := range h.mem.Records("out") {
		if r["active"] != true {
			t.Fatalf("record %v not reactivated: %v", r["id"], r)
		}
	}
}

func TestUpdateModeOnlyTouchesExisting(t *testing.T) {
	tg := target("out")
	tg.Mode, tg.OnDelete = config.ModeUpdate, ""
	h := newHarness(t, tg)
	h.mem.SetKey("out", "id")
	h.mem.Put("out", connector.Record{"id": int64(1), "name": "old", "extra": "kept"})
	h.put(person(1, "Ada", "x"), person(2, "Grace", "x"))
	h.sync.Map = mustMap(t, map[string]string{"id": "record.id", "name": "record.name"})
	r := h.run()
	wantCounts(t, r, counts{update: 1})
	if r.Skipped != 1 {
		t.Fatalf("skipped = %d, want 1", r.Skipped)
	}
	recs := h.mem.Records("out")
	if len(recs) != 1 || recs[0]["name"] != "Ada" || recs[0]["extra"] != "kept" {
		t.Fatalf("target = %v", recs)
	}
	// Nothing changed: nothing probed again.
	calls, _ := h.mem.Applied("out")
	wantCounts(t, h.run(), counts{unchanged: 2})
	if c, _ := h.mem.Applied("out"); c != calls {
		t.Fatal("update mode probed unchanged records again")
	}
}

func TestAppendModeAddsEveryVersion(t *testing.T) {
	tg := target("events")
	tg.Mode, tg.OnDelete = config.ModeAppend, ""
	h := newHarness(t, tg)
	h.put(person(1, "Ada", "x"))
	wantCounts(t, h.run(), counts{create: 1})
	h.put(person(1, "Ada L", "x"))
	wantCounts(t, h.run(), counts{create: 1})
	wantCounts(t, h.run(), counts{unchanged: 1})
	if recs := h.mem.Records("events"); len(recs) != 2 {
		t.Fatalf("append target holds %d records, want 2: %v", len(recs), recs)
	}
}

func TestPlanWritesNothingAndMatchesRun(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "Ada", "x"), person(2, "Grace", "x"))
	p := h.plan()
	if p.Status != engine.StatusPlanned {
		t.Fatalf("status %s: %s", p.Status, p.Error)
	}
	wantCounts(t, p, counts{create: 2})
	if _, err := os.Stat(h.state); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("plan created the state file: %v", err)
	}
	if h.mem.Records("out") != nil {
		t.Fatal("plan wrote to the target")
	}
	if len(p.Samples) == 0 || p.Samples[0].Action != "create" {
		t.Fatalf("samples = %+v", p.Samples)
	}
	wantCounts(t, h.run(), counts{create: 2})

	h.put(person(1, "Ada L", "x"))
	before, _ := os.ReadFile(h.state)
	p = h.plan()
	wantCounts(t, p, counts{update: 1, unchanged: 1})
	var found bool
	for _, s := range p.Samples {
		for _, c := range s.Changes {
			if c.Field == "name" && c.Old == "Ada" && c.New == "Ada L" {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("plan shows no field diff for the update: %+v", p.Samples)
	}
	after, _ := os.ReadFile(h.state)
	if string(before) != string(after) {
		t.Fatal("plan changed the state file")
	}
	wantCounts(t, h.run(), counts{update: 1, unchanged: 1})
}

func TestMassDeleteGuard(t *testing.T) {
	tg := target("out")
	tg.MaxDeleteRatio = 0.5
	h := newHarness(t, tg)
	h.put(person(1, "a", ""), person(2, "b", ""), person(3, "c", ""), person(4, "d", ""))
	wantCounts(t, h.run(), counts{create: 4})
	for _, id := range []int64{1, 2, 3} {
		h.mem.Delete("people", id)
	}
	h.put(person(4, "d changed", ""))
	calls, _ := h.mem.Applied("out")
	r := h.run()
	if r.Status != engine.StatusRefused || r.Create+r.Update+r.Delete != 0 {
		t.Fatalf("status %s counts %+v, want refused with nothing written", r.Status, got(r))
	}
	if c, _ := h.mem.Applied("out"); c != calls {
		t.Fatal("a refused run wrote to the target")
	}
	if len(h.mem.Records("out")) != 4 {
		t.Fatal("a refused run removed records")
	}
	r = h.execute(engine.Options{Apply: true, AllowMassDelete: true}).Results[0]
	wantCounts(t, r, counts{update: 1, delete: 3})
}

func TestBadSourceDataWritesNothing(t *testing.T) {
	t.Run("failed read removes nothing", func(t *testing.T) {
		h := newHarness(t)
		h.put(person(1, "a", ""), person(2, "b", ""), person(3, "c", ""), person(4, "d", ""))
		wantCounts(t, h.run(), counts{create: 4})
		h.put(person(1, "a2", ""))
		h.mem.FailReadAfter("people", 2, errors.New("connection reset"))
		calls, _ := h.mem.Applied("out")
		r := h.run()
		if r.Status != engine.StatusFailed {
			t.Fatalf("status %s", r.Status)
		}
		if c, _ := h.mem.Applied("out"); c != calls || len(h.mem.Records("out")) != 4 {
			t.Fatal("a failed read wrote or removed records")
		}
	})
	t.Run("missing key field", func(t *testing.T) {
		h := newHarness(t)
		h.mem.SetKey("people", "name")
		h.put(connector.Record{"name": "no id"})
		r := h.run()
		if r.Status != engine.StatusFailed || h.mem.Records("out") != nil {
			t.Fatalf("status %s error %q", r.Status, r.Error)
		}
	})
	t.Run("duplicate keys are reported, never merged", func(t *testing.T) {
		h := newHarness(t)
		h.mem.SetKey("people", "name")
		h.sync.Source.Key = []string{"id"}
		h.put(connector.Record{"id": int64(1), "name": "a"}, connector.Record{"id": int64(1), "name": "b"})
		r := h.run()
		if r.Status != engine.StatusFailed || h.mem.Records("out") != nil {
			t.Fatalf("status %s error %q records %v", r.Status, r.Error, h.mem.Records("out"))
		}
		if want := "duplicate key [1]"; !contains(r.Error, want) {
			t.Fatalf("error %q does not say %q", r.Error, want)
		}
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestRejectedRecordsAreKeptAndRetried(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""), person(2, "bad", ""), person(3, "c", ""))
	h.mem.FailApply("out", failNamed("bad", "CHECK constraint failed: name"))
	r := h.run()
	wantCounts(t, r, counts{create: 2, failed: 1})
	if len(r.Failures) != 1 || !contains(r.Failures[0].Reason, "CHECK constraint") {
		t.Fatalf("failures = %+v", r.Failures)
	}
	// Still failing: retried, still kept.
	wantCounts(t, h.run(), counts{failed: 1, unchanged: 2})
	h.mem.FailApply("out", nil)
	wantCounts(t, h.run(), counts{create: 1, unchanged: 2})
	if len(h.mem.Records("out")) != 3 {
		t.Fatal("the retried record did not arrive")
	}
	st, err := ledger.OpenSQLite(context.Background(), h.state, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rej, err := st.Rejects(context.Background(), ledger.Scope{Sync: "people-sync", Target: "dst/out"})
	if err != nil || len(rej) != 0 {
		t.Fatalf("rejected list after success = %v, %v", rej, err)
	}
}

func TestFanOutTargetFailureIsolated(t *testing.T) {
	h := newHarness(t, target("a"), target("b"))
	h.put(person(1, "a", ""), person(2, "b", ""), person(3, "c", ""))
	h.mem.FailBatchAfter("b", 1, errors.New("target down"))
	rep := h.execute(engine.Options{Apply: true})
	ra, rb := rep.Results[0], rep.Results[1]
	wantCounts(t, ra, counts{create: 3})
	if rb.Status != engine.StatusFailed || rb.Create != 2 {
		t.Fatalf("b: status %s counts %+v", rb.Status, got(rb))
	}
	// b is back: the next run converges, a writes nothing.
	h.mem.FailBatchAfter("b", 0, nil)
	rep = h.execute(engine.Options{Apply: true})
	wantCounts(t, rep.Results[0], counts{unchanged: 3})
	wantCounts(t, rep.Results[1], counts{create: 1, unchanged: 2})
}

func TestCommitterTargetMovesLedgerOnlyAfterCommit(t *testing.T) {
	tg := target("out")
	tg.Options = connector.Settings{"create_table": true, "transactional": true}
	h := newHarness(t, tg)
	h.put(person(1, "a", ""), person(2, "b", ""))
	h.mem.FailCommit("out", errors.New("disk full"))
	if r := h.run(); r.Status != engine.StatusFailed {
		t.Fatalf("status %s", r.Status)
	}
	h.mem.FailCommit("out", nil)
	wantCounts(t, h.run(), counts{create: 2})
	wantCounts(t, h.run(), counts{unchanged: 2})
}

func TestUpdateOfRecordDeletedBehindOurBackRecreatesIt(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""))
	wantCounts(t, h.run(), counts{create: 1})
	h.mem.Delete("out", int64(1))
	h.put(person(1, "a2", ""))
	wantCounts(t, h.run(), counts{create: 1})
	if n := names(h.mem.Records("out")); n[1] != "a2" {
		t.Fatalf("target = %v", n)
	}
}

var (
	errFake   = errors.New("target down")
	optsApply = engine.Options{Apply: true}
)

// runLosingAcks runs once with the target writing every batch but its acknowledgements lost (a
// dropped connection): the run fails, having written.
func (h *harness) runLosingAcks() {
	h.t.Helper()
	h.mem.LoseAcks("out", errors.New("connection dropped after the write"))
	if r := h.run(); r.Status != engine.StatusFailed {
		h.t.Fatalf("status %s, want failed", r.Status)
	}
	h.mem.LoseAcks("out", nil)
}

// A create the target wrote but whose acknowledgement was lost (a crash, a dropped connection) is held as
// pending; when the source then deletes the record, the next complete read removes it from the target
// rather than leaving an orphan there.
func TestLostCreateAckLeavesNoOrphan(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""), person(2, "b", ""))
	h.runLosingAcks()
	if len(h.mem.Records("out")) != 2 {
		t.Fatal("the lost-ack write did not land")
	}
	h.mem.Delete("people", int64(2))
	wantCounts(t, h.run(), counts{create: 1, delete: 1})
	if n := names(h.mem.Records("out")); len(n) != 1 || n[1] != "a" {
		t.Fatalf("target = %v, want only record 1", n)
	}
}

func TestDroppedRejectionIsNotRetriedUntilItChanges(t *testing.T) {
	h := newHarness(t)
	h.put(person(1, "a", ""), person(2, "bad", ""))
	h.mem.FailApply("out", failNamed("bad", "rejected"))
	wantCounts(t, h.run(), counts{create: 1, failed: 1})
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, h.state, false)
	if err != nil {
		t.Fatal(err)
	}
	eng := &engine.Engine{Store: st}
	n, err := eng.DropRejected(ctx, ledger.Scope{Sync: "people-sync", Target: "dst/out"}, []string{"[2]"})
	st.Close()
	if err != nil || n != 1 {
		t.Fatalf("DropRejected = %d, %v", n, err)
	}
	wantCounts(t, h.run(), counts{unchanged: 2})
	h.mem.FailApply("out", nil)
	h.put(person(2, "fixed", ""))
	wantCounts(t, h.run(), counts{create: 1, unchanged: 1})
}
