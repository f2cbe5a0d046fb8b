package benchrun

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Side says which of the two databases a table is in.
type Side int

// The two databases of a bench.
const (
	Source Side = iota
	Target
)

// Fingerprint is a table's row count and a checksum of every row, independent of row order.
type Fingerprint struct {
	Rows int64
	Sum  string
}

// Databases is a source and a target database on one server, made for one bench run. Every table has
// the definition of issue 3 (bigint id, int, text(32), numeric(12,2), timestamp, bool, a 200-byte text)
// plus updated_at, the cursor column, with the unique key on id.
type Databases interface {
	// Kind is the connector kind of both connections ("postgres", "mysql").
	Kind() string
	// DSNs are the connector DSNs of the two databases.
	DSNs() (source, target string)
	// Describe returns lines that say which server this is and how it is set up.
	Describe(ctx context.Context) ([]string, error)
	// Generate creates a source table of n rows (id 1..n, updated_at growing with id) with an index on
	// (updated_at, id).
	Generate(ctx context.Context, table string, n int) error
	// CreateTarget creates an empty target table.
	CreateTarget(ctx context.Context, table string) error
	// Touch changes the source rows whose id % 100 == rem (1% of the table), setting their updated_at
	// past every other row's, and returns how many rows it changed.
	Touch(ctx context.Context, table string, rem int) (int, error)
	// Fingerprint returns the count and checksum of a table; equal contents give equal fingerprints
	// on either side.
	Fingerprint(ctx context.Context, side Side, table string) (Fingerprint, error)
	// Baseline empties the target's table "items" and returns the pipeline, run by the caller, that
	// copies the source's "items" into it with the server's own tools.
	Baseline(ctx context.Context) (Pipeline, error)
}

// Pipeline is `First | Second`, with Env added to both environments.
type Pipeline struct {
	Name          string
	First, Second []string
	Env           []string
}

// Options are the bench's flags.
type Options struct {
	Rows, RSSRows, Batch int
	// Dir holds the binary, the configuration and the state; empty means a temporary directory.
	Dir string
	// Profile is a directory for a CPU profile of every oneway run; empty means none.
	Profile string
	// Bin is a oneway binary to measure; empty means build ./cmd/oneway into Dir.
	Bin string
}

// config has three syncs over tables of the same definition: cursor (phases 1 and 2), snapshot (phase 3)
// and rss (phase 4). The DSNs come from the environment, as a user's secrets would.
const config = `
connections:
  src: {kind: %[1]s, dsn: "${env:ONEWAY_BENCH_SOURCE_DSN}"}
  dst: {kind: %[1]s, dsn: "${env:ONEWAY_BENCH_TARGET_DSN}"}
syncs:
  - name: cursor
    source: {connection: src, stream: items, key: [id], detect: cursor, cursor: [updated_at], batch_size: %[2]d}
    targets:
      - {connection: dst, stream: items_cursor, key: [id], batch_size: %[2]d}
  - name: snapshot
    source: {connection: src, stream: items, key: [id], batch_size: %[2]d}
    targets:
      - {connection: dst, stream: items_snapshot, key: [id], batch_size: %[2]d}
  - name: rss
    source: {connection: src, stream: items_rss, key: [id], batch_size: %[2]d}
    targets:
      - {connection: dst, stream: items_rss, key: [id], batch_size: %[2]d}
`

// bench is one run of the phases.
type bench struct {
	db   Databases
	ow   *Oneway
	opts Options
}

// Run builds oneway, measures the phases of issue 3 on db and prints the figures and the verdicts. It
// returns an error (and stops) when a run fails or gives a wrong result; a missed goal is printed as
// MISS, not returned.
func Run(ctx context.Context, db Databases, o Options) error {
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "oneway-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if o.Profile != "" {
		if err := os.MkdirAll(o.Profile, 0o755); err != nil {
			return err
		}
	}
	bin := o.Bin
	if bin == "" {
		var err error
		if bin, err = Build(dir); err != nil {
			return err
		}
	}
	cfg := filepath.Join(dir, "oneway.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, db.Kind(), o.Batch), 0o600); err != nil {
		return err
	}
	src, dst := db.DSNs()
	b := &bench{db: db, opts: o, ow: &Oneway{Bin: bin, Config: cfg, Profile: o.Profile,
		Env: []string{"ONEWAY_BENCH_SOURCE_DSN=" + src, "ONEWAY_BENCH_TARGET_DSN=" + dst}}}
	return b.run(ctx)
}

func (b *bench) run(ctx context.Context) error {
	rows := b.opts.Rows
	fmt.Printf("generating %d rows in the source table items\n", rows)
	if err := b.db.Generate(ctx, "items", rows); err != nil {
		return err
	}
	for _, t := range []string{"items", "items_cursor", "items_snapshot"} {
		if err := b.db.CreateTarget(ctx, t); err != nil {
			return err
		}
	}
	if err := b.describe(ctx); err != nil {
		return err
	}
	printHeader()

	var goals []Goal
	// 1. The full copy against the baseline, which runs before and after it: the mean is the reference,
	// so that a change in the machine's load during the run weighs on both sides.
	base1, err := b.baseline(ctx, "before", Pipe)
	if err != nil {
		return err
	}
	full, err := b.ow.Run("oneway full copy (cursor sync)", "cursor", Counts{Create: rows, Read: rows})
	if err != nil {
		return err
	}
	if err := b.same(ctx, "items", "items_cursor"); err != nil {
		return err
	}
	base2, err := b.baseline(ctx, "after", Pipe)
	if err != nil {
		return err
	}
	base := (base1.Elapsed + base2.Elapsed) / 2
	goals = append(goals, Goal{Name: "1  full copy / baseline (mean of both)", Value: ratio(full.Elapsed, base), At: 1.3})
	// The same tools, reading everything before writing anything, as oneway's plan does: what is left of
	// goal 1's budget for the engine's own work.
	two, err := b.baseline(ctx, "two passes", TwoPass)
	if err != nil {
		return err
	}
	goals = append(goals,
		Goal{Name: "   baseline in two passes / baseline", Value: ratio(two.Elapsed, base), Info: true},
		Goal{Name: "   full copy / baseline in two passes", Value: ratio(full.Elapsed, two.Elapsed), Info: true})

	// 2. Cursor mode: nothing changed, then 1% updated. Without lookback a cursor read starts at the row
	// the last run ended on (inclusive), so it reads that row again, unchanged, unless it was updated.
	noop, err := b.ow.Run("oneway cursor, nothing changed", "cursor", Counts{Unchanged: 1, Read: 1})
	if err != nil {
		return err
	}
	goals = append(goals, Goal{Name: "2a cursor, nothing changed / full copy", Value: ratio(noop.Elapsed, full.Elapsed), At: 0.02})
	n, err := b.db.Touch(ctx, "items", 0)
	if err != nil {
		return err
	}
	again := 1
	if rows%100 == 0 { // the last row (id = rows) is one of those updated
		again = 0
	}
	inc, err := b.ow.Run("oneway cursor, 1% updated", "cursor", Counts{Update: n, Unchanged: again, Read: n + again})
	if err != nil {
		return err
	}
	if err := b.same(ctx, "items", "items_cursor"); err != nil {
		return err
	}
	goals = append(goals, Goal{Name: "2b cursor, 1% updated / full copy", Value: ratio(inc.Elapsed, full.Elapsed), At: 0.05})

	// 3. Snapshot mode: a full copy of its own, then 1% updated; exactly those rows are written.
	snapFull, err := b.ow.Run("oneway full copy (snapshot sync)", "snapshot", Counts{Create: rows, Read: rows})
	if err != nil {
		return err
	}
	if err := b.same(ctx, "items", "items_snapshot"); err != nil {
		return err
	}
	if n, err = b.db.Touch(ctx, "items", 1); err != nil {
		return err
	}
	snap, err := b.ow.Run("oneway snapshot, 1% updated", "snapshot", Counts{Update: n, Unchanged: rows - n, Read: rows})
	if err != nil {
		return err
	}
	if err := b.same(ctx, "items", "items_snapshot"); err != nil {
		return err
	}
	goals = append(goals,
		Goal{Name: "3  snapshot, 1% updated / snapshot full copy", Value: ratio(snap.Elapsed, snapFull.Elapsed), At: 0.5},
		Goal{Name: "   snapshot full copy / baseline", Value: ratio(snapFull.Elapsed, base), Info: true},
		Goal{Name: "   snapshot, 1% updated / cursor full copy", Value: ratio(snap.Elapsed, full.Elapsed), Info: true})

	// 4. Peak RSS of a snapshot diff over a large table.
	if b.opts.RSSRows > 0 {
		g, err := b.rss(ctx, b.opts.RSSRows)
		if err != nil {
			return err
		}
		goals = append(goals, g)
	}

	fmt.Printf("\nratios (every run's counts and the target's contents were checked)\n")
	for _, g := range goals {
		fmt.Println(g)
	}
	if b.opts.RSSRows == 0 {
		fmt.Println("4  peak RSS of a 10M-row snapshot diff: not measured (add -rss-rows 10000000)")
	}
	return nil
}

// rss copies a table of n rows with the snapshot sync "rss", updates 1% of it, and measures the peak RSS
// of the snapshot run that finds and writes those rows.
func (b *bench) rss(ctx context.Context, n int) (Goal, error) {
	fmt.Printf("\ngenerating %d rows in the source table items_rss\n", n)
	if err := b.db.Generate(ctx, "items_rss", n); err != nil {
		return Goal{}, err
	}
	if err := b.db.CreateTarget(ctx, "items_rss"); err != nil {
		return Goal{}, err
	}
	if _, err := b.ow.Run(fmt.Sprintf("oneway full copy (snapshot, %d rows)", n), "rss", Counts{Create: n, Read: n}); err != nil {
		return Goal{}, err
	}
	u, err := b.db.Touch(ctx, "items_rss", 0)
	if err != nil {
		return Goal{}, err
	}
	m, err := b.ow.Run(fmt.Sprintf("oneway snapshot, %d rows, 1%% updated", n), "rss", Counts{Update: u, Unchanged: n - u, Read: n})
	if err != nil {
		return Goal{}, err
	}
	if err := b.same(ctx, "items_rss", "items_rss"); err != nil {
		return Goal{}, err
	}
	return Goal{Name: fmt.Sprintf("4  peak RSS of a %d-row snapshot diff", n), Value: m.RSSMB, At: 150, Unit: " MB"}, nil
}

// copier runs and times a baseline's two commands (Pipe or TwoPass).
type copier func(phase string, rows int, env []string, first, second []string) (Measurement, error)

// baseline times the server tools' copy of items into the emptied target table and checks its result.
func (b *bench) baseline(ctx context.Context, when string, copy copier) (Measurement, error) {
	p, err := b.db.Baseline(ctx)
	if err != nil {
		return Measurement{}, err
	}
	m, err := copy(fmt.Sprintf("baseline %s (%s)", p.Name, when), b.opts.Rows, p.Env, p.First, p.Second)
	if err != nil {
		return m, err
	}
	return m, b.same(ctx, "items", "items")
}

// same fails unless the target table holds exactly the source table's rows.
func (b *bench) same(ctx context.Context, srcTable, dstTable string) error {
	s, err := b.db.Fingerprint(ctx, Source, srcTable)
	if err != nil {
		return err
	}
	d, err := b.db.Fingerprint(ctx, Target, dstTable)
	if err != nil {
		return err
	}
	if s != d {
		return fmt.Errorf("WRONG RESULT: target table %s (%d rows, checksum %s) differs from source table %s (%d rows, checksum %s)",
			dstTable, d.Rows, d.Sum, srcTable, s.Rows, s.Sum)
	}
	return nil
}

func (b *bench) describe(ctx context.Context) error {
	lines, err := b.db.Describe(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("\nmachine: %s/%s, %d CPUs, %s memory, %s (oneway built with the same toolchain)\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), MemTotal(), runtime.Version())
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("rows: %d, batch_size: %d (source reads and target writes)\n\n", b.opts.Rows, b.opts.Batch)
	return nil
}

// Flags registers the flags every database bench shares on fs, filling o.
func Flags(fs *flag.FlagSet, o *Options) {
	fs.IntVar(&o.Rows, "rows", 1_000_000, "rows in the source table")
	fs.IntVar(&o.RSSRows, "rss-rows", 0, "rows of the peak-RSS phase, a table of its own (0 skips it; the goal is stated for 10000000)")
	fs.IntVar(&o.Batch, "batch", 10_000, "batch_size of the source reads and of the target writes")
	fs.StringVar(&o.Dir, "dir", "", "directory for the binary, configuration and state (default: a temporary directory, removed after)")
	fs.StringVar(&o.Profile, "profile", "", "directory to write a CPU profile (pprof) of every oneway run into")
	fs.StringVar(&o.Bin, "bin", "", "oneway binary to measure (default: build ./cmd/oneway)")
}
