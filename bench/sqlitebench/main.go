// Command sqlitebench measures `oneway run` syncing a SQLite table to another SQLite file in snapshot
// mode: the first full sync, a run with nothing changed, and a run after 1% updates and 0.1% deletes.
// It prints rows/s and the peak RSS of each oneway process, and the ratio of the first sync to a
// baseline measured in the same process: SQLite itself copying the table (ATTACH + INSERT ... SELECT),
// the floor for any tool on the same engine. It checks each run's counts, so a fast wrong answer fails.
//
//	go run ./bench/sqlitebench -rows 1000000
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows in the source table")
	dir := flag.String("dir", "", "working directory (default: a new temporary directory, removed after)")
	flag.Parse()
	if err := run(*rows, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "sqlitebench:", err)
		os.Exit(1)
	}
}

func run(rows int, dir string) error {
	ctx := context.Background()
	if dir == "" {
		d, err := os.MkdirTemp("", "oneway-sqlitebench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bin := filepath.Join(dir, "oneway")
	build := exec.Command("go", "build", "-o", bin, "./cmd/oneway")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build oneway (run from the repository root): %w", err)
	}
	src := filepath.Join(dir, "source.db")
	fmt.Printf("generating %d rows in %s\n", rows, src)
	if err := generate(ctx, src, rows); err != nil {
		return err
	}
	base, err := baseline(ctx, src, filepath.Join(dir, "baseline.db"))
	if err != nil {
		return err
	}
	cfg := filepath.Join(dir, "oneway.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		return err
	}

	fmt.Printf("\nmachine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Printf("%-28s %10s %9s %12s %9s\n", "phase", "rows", "seconds", "rows/s", "peak MB")
	fmt.Printf("%-28s %10d %9.2f %12.0f %9s\n", "baseline (sqlite copy)", rows, base.Seconds(), float64(rows)/base.Seconds(), "-")

	first, err := measure(bin, cfg, "first full sync", rows, counts{Create: rows})
	if err != nil {
		return err
	}
	if _, err := measure(bin, cfg, "no-change run", rows, counts{Unchanged: rows}); err != nil {
		return err
	}
	upd, del := rows/100, rows/1000
	if err := mutate(ctx, src); err != nil {
		return err
	}
	if _, err := measure(bin, cfg, "1% updated, 0.1% deleted", rows-del,
		counts{Update: upd, Delete: del, Unchanged: rows - upd - del}); err != nil {
		return err
	}
	fmt.Printf("\nratio first sync / baseline: %.2f\n", first.Seconds()/base.Seconds())
	return nil
}

const config = `
connections:
  src: {kind: sqlite, path: ./source.db}
  dst: {kind: sqlite, path: ./target.db}
syncs:
  - name: bench
    source: {connection: src, stream: items, key: [id], batch_size: 5000}
    targets:
      - {connection: dst, stream: items, key: [id], create_table: true, batch_size: 5000}
`

func generate(ctx context.Context, path string, rows int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `
		CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, name TEXT, price REAL, active BOOLEAN,
			updated_at TIMESTAMP, note TEXT);
		INSERT INTO items
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		SELECT i, i % 1000, 'name-' || i, (i % 10000) / 100.0, i % 2,
			'2026-01-01 00:00:00', printf('%.200c', 'x') FROM n;`, rows)
	return err
}

// baseline copies the table with SQLite alone: the floor for the same engine and disk.
func baseline(ctx context.Context, src, dst string) (time.Duration, error) {
	start := time.Now()
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	for _, q := range []string{
		fmt.Sprintf("ATTACH DATABASE 'file:%s' AS t", dst),
		"PRAGMA t.journal_mode = WAL",
		"CREATE TABLE t.items (id INTEGER PRIMARY KEY, qty INTEGER, name TEXT, price REAL, active BOOLEAN, updated_at TIMESTAMP, note TEXT)",
		"INSERT INTO t.items SELECT * FROM main.items",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("baseline: %s: %w", q, err)
		}
	}
	return time.Since(start), nil
}

func mutate(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `UPDATE items SET name = name || '-v2' WHERE id % 100 = 0;
		DELETE FROM items WHERE id % 1000 = 1;`)
	return err
}

type counts struct {
	Create, Update, Delete, Unchanged, Failed int
}

func measure(bin, cfg, phase string, rows int, want counts) (time.Duration, error) {
	var out bytes.Buffer
	cmd := exec.Command(bin, "-c", cfg, "run", "--json")
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", phase, err, out.String())
	}
	var rep struct {
		Results []counts `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Results) != 1 {
		return 0, fmt.Errorf("%s: unexpected output %q", phase, out.String())
	}
	if rep.Results[0] != want {
		return 0, fmt.Errorf("%s: counts %+v, want %+v", phase, rep.Results[0], want)
	}
	rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
	fmt.Printf("%-28s %10d %9.2f %12.0f %9.0f\n", phase, rows, elapsed.Seconds(), float64(rows)/elapsed.Seconds(), rss)
	return elapsed, nil
}
