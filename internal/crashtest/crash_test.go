package crashtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// The harness drives the real binary, built with the failpoints tag, so a kill is a real SIGKILL of a
// real process: no deferred function, no flush, no goodbye.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oneway-crashtest-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "oneway")
	build := exec.Command("go", "build", "-tags", "failpoints", "-o", binary, "../../cmd/oneway")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(fmt.Sprintf("build oneway: %v", err))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// envInt reads a size knob: CI runs the sizes the issue asks for; a quick local run can lower them.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

const config = `
connections:
  src: {kind: sqlite, path: ./source.db}
  dst: {kind: sqlite, path: ./target.db}
syncs:
  - name: crash
    source: {connection: src, stream: items, key: [id], batch_size: 2000}
    targets:
      - {connection: dst, stream: items, key: [id], create_table: true, batch_size: 1000, max_delete_ratio: 1}
`

type fixture struct {
	t   *testing.T
	dir string
	src *sql.DB
}

func newFixture(t *testing.T, rows int) *fixture {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "oneway.yaml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "source.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL, note TEXT);
		INSERT INTO items WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		SELECT i, 'item-' || i, i % 97, i / 7.0, printf('%.80c', 'n') FROM n;`, rows)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, dir: dir, src: db}
}

// mutate changes the source between runs: updates, deletes and inserts, so resumed runs have every kind of
// work to redo.
func (f *fixture) mutate(rng *rand.Rand, rows int) {
	f.t.Helper()
	n := rng.IntN(rows/100 + 1)
	for i := 0; i < n; i++ {
		id := rng.IntN(rows*2) + 1
		var err error
		switch rng.IntN(3) {
		case 0:
			_, err = f.src.Exec(`UPDATE items SET name = name || '+', qty = qty + 1 WHERE id = ?`, id)
		case 1:
			_, err = f.src.Exec(`DELETE FROM items WHERE id = ?`, id)
		default:
			_, err = f.src.Exec(`INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, 'new')`, id, fmt.Sprintf("new-%d", id), id%5, float64(id)/3)
		}
		if err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) command(ctx context.Context, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary, "-c", filepath.Join(f.dir, "oneway.yaml"), "run", "--json")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// runToEnd runs oneway until it exits 0.
func (f *fixture) runToEnd() {
	f.t.Helper()
	var out bytes.Buffer
	cmd := f.command(context.Background())
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		f.t.Fatalf("final run: %v\n%s", err, out.String())
	}
}

// digest maps each key to a hash of its row.
func digest(t *testing.T, path, query string) map[int64]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name, note string
		var qty int64
		var price float64
		if err := rows.Scan(&id, &name, &qty, &price, &note); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%v|%s", name, qty, price, note)))
		if _, dup := out[id]; dup {
			out[-id] = "duplicate"
		}
		out[id] = hex.EncodeToString(sum[:8])
	}
	return out
}

// compare counts keys lost (in the source, not the target), extra (the other way), duplicated and
// different.
func (f *fixture) compare() (lost, extra, dup, different int) {
	f.t.Helper()
	q := `SELECT id, name, qty, price, note FROM items`
	want := digest(f.t, filepath.Join(f.dir, "source.db"), q)
	got := digest(f.t, filepath.Join(f.dir, "target.db"), q)
	for k, h := range got {
		if k < 0 {
			dup++
			continue
		}
		switch w, ok := want[k]; {
		case !ok:
			extra++
		case w != h:
			different++
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			lost++
		}
	}
	return
}

// TestRandomKills kills `oneway run` with SIGKILL at random moments, changes the source between runs,
// and checks that once a run completes the target is an exact copy.
func TestRandomKills(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash harness runs the real binary many times")
	}
	rows := envInt("ONEWAY_CRASH_ROWS", 200_000)
	kills := envInt("ONEWAY_CRASH_KILLS", 30)
	seed := uint64(envInt("ONEWAY_CRASH_SEED", int(time.Now().UnixNano()%1_000_000)))
	t.Logf("seed %d (rerun with ONEWAY_CRASH_SEED=%d), %d rows, %d kills", seed, seed, rows, kills)
	rng := rand.New(rand.NewPCG(seed, seed))
	f := newFixture(t, rows)

	// Time one complete first run on a copy, to spread kills over a whole run.
	start := time.Now()
	probe := newFixture(t, rows)
	probe.runToEnd()
	full := time.Since(start)
	t.Logf("a full first run takes %v", full.Round(time.Millisecond))

	killed, finished := 0, 0
	for killed < kills {
		if rng.IntN(3) == 0 {
			f.mutate(rng, rows)
		}
		cmd := f.command(context.Background())
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wait := time.Duration(rng.Int64N(int64(full)))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run failed on its own: %v\n%s", err, out.String())
			}
			finished++
		case <-time.After(wait):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		}
	}
	f.runToEnd()
	lost, extra, dup, diff := f.compare()
	t.Logf("%d kills, %d runs finished before their kill: lost %d, extra %d, duplicated %d, different %d",
		killed, finished, lost, extra, dup, diff)
	if lost+extra+dup+diff != 0 {
		t.Fatalf("the target is not an exact copy (seed %d)", seed)
	}
	// And a further run has nothing to do.
	var out bytes.Buffer
	cmd := f.command(context.Background())
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), `"create": 0`) || !strings.Contains(out.String(), `"update": 0`) {
		t.Fatalf("run after convergence: %v\n%s", err, out.String())
	}
}

// TestNamedFailpoints kills the run at each named point and checks the next run converges.
func TestNamedFailpoints(t *testing.T) {
	rows := envInt("ONEWAY_CRASH_FAILPOINT_ROWS", 20_000)
	for _, point := range []string{"after-read", "after-target-write:3", "after-ledger-commit:3"} {
		t.Run(point, func(t *testing.T) {
			f := newFixture(t, rows)
			var out bytes.Buffer
			cmd := f.command(context.Background(), "ONEWAY_FAILPOINT="+point)
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var exit *exec.ExitError
			if err == nil || !asExit(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the failpoint did not kill the run: %v\n%s", err, out.String())
			}
			f.mutate(rand.New(rand.NewPCG(1, 2)), rows)
			f.runToEnd()
			if lost, extra, dup, diff := f.compare(); lost+extra+dup+diff != 0 {
				t.Fatalf("after a kill at %s: lost %d, extra %d, duplicated %d, different %d", point, lost, extra, dup, diff)
			}
		})
	}
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*target = e
	return ok
}
