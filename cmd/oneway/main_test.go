package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/onewaysync/oneway/internal/ledger"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// quickstart copies examples/quickstart into a temporary directory and returns its config path.
func quickstart(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "examples", "quickstart")
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if strings.HasPrefix(rel, ".oneway") || strings.HasSuffix(rel, ".db") || strings.HasSuffix(rel, ".jsonl") {
			if info.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "oneway.yaml")
}

type outcome struct {
	code           int
	stdout, stderr string
}

func cli(t *testing.T, args ...string) outcome {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return outcome{code, out.String(), errb.String()}
}

type jsonReport struct {
	Results []struct {
		Sync, Target, Status                      string
		Create, Update, Delete, Unchanged, Failed int
	} `json:"results"`
}

func decodeReport(t *testing.T, o outcome) jsonReport {
	t.Helper()
	var rep jsonReport
	if err := json.Unmarshal([]byte(o.stdout), &rep); err != nil {
		t.Fatalf("not one JSON document: %v\n%s\nstderr: %s", err, o.stdout, o.stderr)
	}
	return rep
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/oneway -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("output differs from %s (rerun with -update if intended)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func editCSV(t *testing.T, cfg string, replace ...string) {
	t.Helper()
	path := filepath.Join(filepath.Dir(cfg), "ats", "candidates.csv")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("candidates.csv has no %q", replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestQuickstartEndToEnd(t *testing.T) {
	cfg := quickstart(t)
	dir := filepath.Dir(cfg)

	if o := cli(t, "-c", cfg, "validate"); o.code != 0 {
		t.Fatalf("validate: %d %s", o.code, o.stderr)
	}

	// plan on a fresh machine: exact counts, and nothing written anywhere.
	o := cli(t, "-c", cfg, "plan", "--json")
	rep := decodeReport(t, o)
	if o.code != 0 || len(rep.Results) != 2 || rep.Results[0].Create != 3 || rep.Results[1].Create != 3 {
		t.Fatalf("plan: code %d %+v %s", o.code, rep, o.stderr)
	}
	for _, name := range []string{".oneway", "hris.db", "out/employees.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Fatalf("plan created %s", name)
		}
	}

	o = cli(t, "-c", cfg, "run")
	if o.code != 0 {
		t.Fatalf("run: %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	golden(t, "run-first.txt", o.stdout)

	// Nothing changed: nothing written.
	rep = decodeReport(t, cli(t, "-c", cfg, "run", "--json"))
	for _, r := range rep.Results {
		if r.Create+r.Update+r.Delete != 0 || r.Unchanged != 3 || r.Status != "ok" {
			t.Fatalf("second run wrote: %+v", r)
		}
	}

	// A title change, a new hire, and a candidate no longer hired.
	editCSV(t, cfg,
		"hired,Rear Admiral", "hired,Commodore",
		"c-1003,Alan,Turing,alan.turing@example.com,interviewing", "c-1003,Alan,Turing,alan.turing@example.com,hired",
		"c-1001,Ada,Lovelace,Ada.Lovelace@example.com,hired", "c-1001,Ada,Lovelace,Ada.Lovelace@example.com,left")
	o = cli(t, "-c", cfg, "plan")
	if o.code != 0 {
		t.Fatalf("plan: %d %s", o.code, o.stderr)
	}
	golden(t, "plan-after-edit.txt", o.stdout)
	rep = decodeReport(t, cli(t, "-c", cfg, "run", "--json"))
	for _, r := range rep.Results {
		if r.Create != 1 || r.Update != 1 || r.Delete != 1 || r.Unchanged != 1 {
			t.Fatalf("run after edit: %+v", r)
		}
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "hris.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var title string
	var active bool
	if err := db.QueryRow(`SELECT title FROM employees WHERE candidate_id = 'c-1002'`).Scan(&title); err != nil || title != "Commodore" {
		t.Fatalf("title = %q, %v", title, err)
	}
	if err := db.QueryRow(`SELECT active FROM employees WHERE candidate_id = 'c-1001'`).Scan(&active); err != nil || active {
		t.Fatalf("c-1001 active = %v, %v; want soft-deleted", active, err)
	}
	feed, err := os.ReadFile(filepath.Join(dir, "out", "employees.jsonl"))
	if err != nil || strings.Contains(string(feed), "c-1001") || !strings.Contains(string(feed), "c-1003") {
		t.Fatalf("feed after edit: %v\n%s", err, feed)
	}

	// status and history read the state.
	var status struct {
		Targets []struct {
			Records int
			LastRun *struct{ Status string } `json:"last_run"`
		}
	}
	o = cli(t, "-c", cfg, "status", "--json")
	if err := json.Unmarshal([]byte(o.stdout), &status); err != nil || len(status.Targets) != 2 {
		t.Fatalf("status: %v %s", err, o.stdout)
	}
	if status.Targets[0].Records != 3 || status.Targets[0].LastRun == nil || status.Targets[0].LastRun.Status != "ok" {
		t.Fatalf("status = %+v", status.Targets[0])
	}
	var history struct{ Runs []json.RawMessage }
	o = cli(t, "-c", cfg, "history", "--json")
	if err := json.Unmarshal([]byte(o.stdout), &history); err != nil || len(history.Runs) != 6 {
		t.Fatalf("history: %v, %d runs\n%s", err, len(history.Runs), o.stdout)
	}
}

func TestExitCodes(t *testing.T) {
	cfg := quickstart(t)
	t.Run("invalid config is 2 and names the line", func(t *testing.T) {
		bad := filepath.Join(filepath.Dir(cfg), "bad.yaml")
		if err := os.WriteFile(bad, []byte("syncs:\n  - name: x\n    sorce: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		o := cli(t, "-c", bad, "plan")
		if o.code != 2 || !strings.Contains(o.stderr, "bad.yaml:3") {
			t.Fatalf("code %d stderr %q", o.code, o.stderr)
		}
	})
	t.Run("unknown sync is 2", func(t *testing.T) {
		if o := cli(t, "-c", cfg, "plan", "no-such-sync"); o.code != 2 {
			t.Fatalf("code %d %s", o.code, o.stderr)
		}
	})
	t.Run("unknown flag is 2", func(t *testing.T) {
		if o := cli(t, "-c", cfg, "run", "--no-such-flag"); o.code != 2 {
			t.Fatalf("code %d %s", o.code, o.stderr)
		}
	})
	t.Run("missing config file is 2", func(t *testing.T) {
		if o := cli(t, "-c", filepath.Join(t.TempDir(), "none.yaml"), "plan"); o.code != 2 {
			t.Fatalf("code %d %s", o.code, o.stderr)
		}
	})
	t.Run("corrupt state is 1 and untouched", func(t *testing.T) {
		state := filepath.Join(filepath.Dir(cfg), ".oneway", "state.db")
		if err := os.MkdirAll(filepath.Dir(state), 0o700); err != nil {
			t.Fatal(err)
		}
		junk := []byte(strings.Repeat("junk", 2048))
		if err := os.WriteFile(state, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		o := cli(t, "-c", cfg, "run")
		if o.code != 1 || !strings.Contains(o.stderr, "refusing to start afresh") {
			t.Fatalf("code %d stderr %q", o.code, o.stderr)
		}
		if b, _ := os.ReadFile(state); !bytes.Equal(b, junk) {
			t.Fatal("the corrupt state was modified")
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "hris.db")); err == nil {
			t.Fatal("a target was written despite the corrupt state")
		}
	})
}

func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	const canary = "canary-s3cr3t-value-4242"
	t.Setenv("ONEWAY_TEST_CANARY", canary)
	cfg := filepath.Join(dir, "oneway.yaml")
	// The secret sits in a path that does not exist, so the error path is exercised too.
	body := `connections:
  src: {kind: jsonl, path: "./in-${env:ONEWAY_TEST_CANARY}"}
  dst: {kind: jsonl, path: ./out}
syncs:
  - name: s
    source: {connection: src, stream: people, key: [id]}
    targets: [{connection: dst, stream: people, key: [id]}]
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan"}, {"run"}, {"run", "--json"}, {"status"}, {"history", "--json"}, {"--log-level", "debug", "run"}} {
		o := cli(t, append([]string{"-c", cfg}, args...)...)
		if strings.Contains(o.stdout+o.stderr, canary) {
			t.Fatalf("%v printed the secret:\n%s\n%s", args, o.stdout, o.stderr)
		}
	}
	state, _ := os.ReadFile(filepath.Join(dir, ".oneway", "state.db"))
	if bytes.Contains(state, []byte(canary)) {
		t.Fatal("the state holds the secret")
	}
}

func sqliteExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestVerifyAndRepair(t *testing.T) {
	cfg := quickstart(t)
	if o := cli(t, "-c", cfg, "run"); o.code != 0 {
		t.Fatalf("run: %s", o.stderr)
	}
	if o := cli(t, "-c", cfg, "verify", "--json"); o.code != 0 {
		t.Fatalf("verify of a fresh copy: %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	hris := filepath.Join(filepath.Dir(cfg), "hris.db")
	sqliteExec(t, hris,
		`DELETE FROM employees WHERE candidate_id = 'c-1001'`,
		`UPDATE employees SET title = 'Janitor' WHERE candidate_id = 'c-1002'`,
		`INSERT INTO employees (candidate_id, full_name, active) VALUES ('x-1', 'Intruder', 1)`)
	o := cli(t, "-c", cfg, "verify", "--json")
	var rep struct {
		Results []struct {
			Target                    string
			Status                    string
			Missing, Extra, Different int
		}
	}
	if err := json.Unmarshal([]byte(o.stdout), &rep); err != nil || o.code != 1 {
		t.Fatalf("verify after tampering: code %d %v\n%s", o.code, err, o.stdout)
	}
	if r := rep.Results[0]; r.Target != "hris/employees" || r.Missing != 1 || r.Extra != 1 || r.Different != 1 {
		t.Fatalf("verify found %+v", r)
	}
	if o := cli(t, "-c", cfg, "verify", "--repair"); o.code != 0 {
		t.Fatalf("repair: %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	if o := cli(t, "-c", cfg, "verify"); o.code != 0 || !strings.Contains(o.stdout, "[clean]") {
		t.Fatalf("verify after repair: %d\n%s", o.code, o.stdout)
	}
	rep2 := decodeReport(t, cli(t, "-c", cfg, "run", "--json"))
	if r := rep2.Results[0]; r.Create+r.Update+r.Delete != 0 {
		t.Fatalf("run after repair wrote: %+v", r)
	}
}

func TestRejectedCommands(t *testing.T) {
	cfg := quickstart(t)
	// The HRIS refuses the title "Rear Admiral": Grace's record is rejected.
	sqliteExec(t, filepath.Join(filepath.Dir(cfg), "hris.db"), `CREATE TABLE employees (candidate_id TEXT PRIMARY KEY,
		full_name TEXT, email TEXT, title TEXT CHECK (title <> 'Rear Admiral'), manager TEXT, active BOOLEAN, address JSON_TEXT)`)
	o := cli(t, "-c", cfg, "run", "--json")
	rep := decodeReport(t, o)
	if o.code != 1 || rep.Results[0].Create != 2 || rep.Results[0].Failed != 1 {
		t.Fatalf("run: code %d %+v", o.code, rep.Results[0])
	}
	o = cli(t, "-c", cfg, "rejected", "list")
	if !strings.Contains(o.stdout, `["c-1002"]`) || !strings.Contains(o.stdout, "CHECK") {
		t.Fatalf("rejected list:\n%s", o.stdout)
	}
	o = cli(t, "-c", cfg, "rejected", "show", "hired-to-hris", "c-1002")
	if o.code != 0 || !strings.Contains(o.stdout, "Rear Admiral") || !strings.Contains(o.stdout, "attempts: 1") {
		t.Fatalf("rejected show: %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	// Still refused on retry: attempts count up.
	cli(t, "-c", cfg, "rejected", "retry")
	if o := cli(t, "-c", cfg, "rejected", "show", "hired-to-hris", `["c-1002"]`); !strings.Contains(o.stdout, "attempts: 2") {
		t.Fatalf("after retry:\n%s", o.stdout)
	}
	if o := cli(t, "-c", cfg, "rejected", "drop", "hired-to-hris", "c-1002"); o.code != 0 {
		t.Fatalf("drop: %d %s", o.code, o.stderr)
	}
	rep = decodeReport(t, cli(t, "-c", cfg, "run", "--json"))
	if r := rep.Results[0]; r.Failed != 0 || r.Create != 0 || r.Unchanged != 3 {
		t.Fatalf("run after drop: %+v", r)
	}
	if o := cli(t, "-c", cfg, "rejected", "list", "--json"); !strings.Contains(o.stdout, `"rejected": []`) {
		t.Fatalf("rejected list after drop:\n%s", o.stdout)
	}
}

// lockSync takes the lock a run of sync holds, as another process would; the returned func releases it.
func lockSync(t *testing.T, cfg, sync string) func() {
	t.Helper()
	st, err := ledger.OpenSQLite(context.Background(), filepath.Join(filepath.Dir(cfg), ".oneway", "state.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	unlock, err := st.Lock(sync)
	if err != nil {
		t.Fatal(err)
	}
	return unlock
}

// rejected drop changes the ledger: it waits for no run, it is refused while one holds the sync.
func TestRejectedDropIsRefusedDuringARun(t *testing.T) {
	cfg := quickstart(t)
	unlock := lockSync(t, cfg, "hired-to-hris")
	o := cli(t, "-c", cfg, "rejected", "drop", "hired-to-hris", "--all")
	unlock()
	if o.code != 1 || !strings.Contains(o.stderr+o.stdout, "already running (pid") {
		t.Fatalf("drop during a run was not refused: code %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	if o := cli(t, "-c", cfg, "rejected", "drop", "hired-to-hris", "--all"); o.code != 0 {
		t.Fatalf("drop after the lock was released: %d %s", o.code, o.stderr)
	}
}

func TestConcurrentRunIsRefusedNamingTheHolder(t *testing.T) {
	cfg := quickstart(t)
	unlock := lockSync(t, cfg, "hired-to-hris")
	o := cli(t, "-c", cfg, "run")
	unlock()
	if o.code != 1 || !strings.Contains(o.stdout, "already running (pid") {
		t.Fatalf("a second run was not refused: code %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "hris.db")); err == nil {
		t.Fatal("the refused run wrote to a target")
	}
	if o := cli(t, "-c", cfg, "run"); o.code != 0 {
		t.Fatalf("run after the lock was released: %d %s", o.code, o.stderr)
	}
}
