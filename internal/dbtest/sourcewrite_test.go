package dbtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/internal/engine"
)

// writableSource is a source table people (id, name, score, active, updated_at; 40 rows, ids 1..40)
// that the syncs' own user may write, next to target tables that user writes, in one database.
type writableSource interface {
	// kind and dsn are the connection of the configuration: the writable user's, for source and targets.
	kind() string
	dsn() string
	// extra settings of the connection (the PostgreSQL schema).
	settings() string
	// state returns the source's row count, a checksum of its rows, and how many writes to it the audit
	// trigger has seen from the syncs' user.
	state(t *testing.T) sourceState
	// change edits the source as the administrator (not the syncs' user): round r updates, deletes and
	// inserts a few rows and moves their updated_at forward.
	change(t *testing.T, r int)
}

type sourceState struct {
	rows          int
	checksum      string
	writesBySyncs int
}

// targetModes are the target variants every detect mode is run with; each writes its own table.
var targetModes = []struct {
	name, target string // sync name part; target options in flow YAML
}{
	{"mirror", "mode: mirror, max_delete_ratio: 1"},
	{"soft", "mode: mirror, on_delete: soft, soft_delete: {active: false}, max_delete_ratio: 1"},
	{"upsert", "mode: upsert"},
	{"update", "mode: update"},
	{"create", "mode: create"},
	{"append", "mode: append"},
}

// sourceConfig has one sync per detect mode and target variant, source and targets on one connection.
func sourceConfig(src writableSource) string {
	var b strings.Builder
	fmt.Fprintf(&b, "connections:\n  db: {kind: %s, dsn: \"${env:ONEWAY_DBTEST_SOURCE}\"%s}\nsyncs:\n", src.kind(), src.settings())
	for _, detect := range []string{"snapshot", "cursor"} {
		cursor := ""
		if detect == "cursor" {
			cursor = ", cursor: [updated_at]"
		}
		for _, m := range targetModes {
			fmt.Fprintf(&b, `  - name: %[1]s-%[2]s
    source: {connection: db, stream: people, key: [id], detect: %[2]s%[3]s, batch_size: 7}
    targets: [{connection: db, stream: t_%[1]s_%[2]s, key: [id], %[4]s, batch_size: 5}]
`, m.name, detect, cursor, m.target)
		}
	}
	return b.String()
}

// checkSourceNeverWritten runs every sync of sourceConfig (plan, run, and for cursor syncs a --full run)
// over three rounds of source changes and checks after each that the source is exactly as it was.
func checkSourceNeverWritten(t *testing.T, src writableSource) {
	t.Setenv("ONEWAY_DBTEST_SOURCE", src.dsn())
	cfg := writeConfig(t, t.TempDir(), sourceConfig(src))
	for round := range 3 {
		if round > 0 {
			src.change(t, round)
		}
		for _, detect := range []string{"snapshot", "cursor"} {
			for _, m := range targetModes {
				name := m.name + "-" + detect
				runs := []engine.Options{{}, {Apply: true}}
				if detect == "cursor" {
					runs = append(runs, engine.Options{Apply: true, Full: true})
				}
				for _, opts := range runs {
					before := src.state(t)
					rep := runOneway(t, cfg, opts, name)
					requireOK(t, rep)
					if after := src.state(t); after != before || after.writesBySyncs != 0 {
						t.Fatalf("round %d, %s (apply %v, full %v): source changed: before %+v, after %+v",
							round, name, opts.Apply, opts.Full, before, after)
					}
					if round == 0 && opts.Apply && !opts.Full {
						requireFirstRun(t, rep, m.name)
					}
				}
			}
		}
	}
}

// requireFirstRun checks that a first run wrote the target through the connection that could also
// write the source: every source row, or for mode update the 10 rows the target held before.
func requireFirstRun(t *testing.T, rep *engine.Report, mode string) {
	t.Helper()
	r := rep.Results[0]
	want := counts{Create: 40}
	if mode == "update" {
		want = counts{Update: 10}
	}
	if got := (counts{r.Create, r.Update, r.Delete, r.Unchanged}); got != want {
		t.Fatalf("%s: first run counts %+v, want %+v", r.Sync, got, want)
	}
}
