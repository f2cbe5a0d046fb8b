package scenariotest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/builtin"
	"github.com/onewaysync/oneway/internal/config"
	"github.com/onewaysync/oneway/internal/engine"
	"github.com/onewaysync/oneway/internal/ledger"
	"github.com/onewaysync/oneway/internal/sandbox"
)

// examplesDir is the repository's examples folder, seen from this package's folder (where go test runs).
const examplesDir = "../../examples"

// startApps starts the sandbox apps for one test and points the examples' ${env:ONEWAY_SANDBOX_...}
// references at them. Tests that call it cannot run in parallel (t.Setenv).
func startApps(t *testing.T, opts sandbox.Options) *sandbox.Apps {
	t.Helper()
	apps, err := sandbox.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = apps.Close() })
	for k, v := range apps.Env() {
		t.Setenv(k, v)
	}
	return apps
}

// scenario is one example configuration run with a state file of the test's own.
type scenario struct {
	t      *testing.T
	config string // examples/<name>/oneway.yaml
	state  string
}

func newScenario(t *testing.T, name string) *scenario {
	t.Helper()
	path := filepath.Join(examplesDir, name, "oneway.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	return &scenario{t: t, config: path, state: filepath.Join(t.TempDir(), "state.db")}
}

// loseLedger starts over with an empty state, as after a lost or deleted state file.
func (s *scenario) loseLedger() { s.state = filepath.Join(s.t.TempDir(), "state.db") }

// run loads the example's configuration and runs all its syncs with the engine, as `oneway run` does:
// the same loader, registry, state store and engine call.
func (s *scenario) run() *engine.Report {
	s.t.Helper()
	ctx := context.Background()
	reg := connector.NewRegistry()
	builtin.Register(reg)
	spec, err := config.Load(s.config, reg)
	if err != nil {
		s.t.Fatalf("load %s: %v", s.config, err)
	}
	spec.State = s.state
	st, err := ledger.OpenSQLite(ctx, spec.State, false)
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	eng := &engine.Engine{Registry: reg, Store: st, Redact: spec.Redact}
	rep, err := eng.Execute(ctx, spec, spec.Syncs, engine.Options{Apply: true})
	if err != nil {
		s.t.Fatalf("execute %s: %v", s.config, err)
	}
	return rep
}

// entry returns the ledger entry of a source key (its values) in a sync's target.
func (s *scenario) entry(sync, target string, key ...any) (ledger.Entry, bool) {
	s.t.Helper()
	ctx := context.Background()
	st, err := ledger.OpenSQLite(ctx, s.state, true)
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	sess, err := st.Session(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	defer sess.Close()
	k, err := connector.EncodeKey(key)
	if err != nil {
		s.t.Fatal(err)
	}
	got, err := sess.Lookup(ctx, ledger.Scope{Sync: sync, Target: target}, []string{k})
	if err != nil {
		s.t.Fatal(err)
	}
	e, ok := got[k]
	return e, ok
}

// counts are the counters of one result that a test checks.
type counts struct{ Create, Update, Delete, Unchanged, Failed int }

func countsOf(r *engine.Result) counts {
	return counts{r.Create, r.Update, r.Delete, r.Unchanged, r.Failed}
}

// requireCounts fails the test unless the report has one ok result per want, in order, with exactly
// those counts.
func requireCounts(t *testing.T, rep *engine.Report, want ...counts) {
	t.Helper()
	if len(rep.Results) != len(want) {
		t.Fatalf("%d results, want %d: %s", len(rep.Results), len(want), dump(rep))
	}
	for i, r := range rep.Results {
		if r.Status != engine.StatusOK || countsOf(r) != want[i] {
			t.Fatalf("%s -> %s: status %s, counts %+v, want ok %+v\n%s", r.Sync, r.Target, r.Status, countsOf(r), want[i], dump(rep))
		}
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// bodyFields returns the top-level field names of a JSON request body.
func bodyFields(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("request body is not a JSON object: %v: %s", err, body)
	}
	return m
}
