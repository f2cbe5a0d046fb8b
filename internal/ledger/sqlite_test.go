package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/internal/ledger"
)

var scope = ledger.Scope{Sync: "s", Target: "conn/stream"}

func open(t *testing.T, path string, readOnly bool) *ledger.SQLite {
	t.Helper()
	st, err := ledger.OpenSQLite(context.Background(), path, readOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestStateFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	open(t, path, false)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("state mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestReadOnlyNeverCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	st := open(t, path, true)
	n, err := st.CountLive(context.Background(), scope)
	if err != nil || n != 0 {
		t.Fatalf("CountLive = %d, %v", n, err)
	}
	if _, err := st.StartRun(context.Background(), scope, "snapshot", time.Now()); err == nil {
		t.Fatal("StartRun succeeded on a read-only state")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open created the file: %v", err)
	}
}

func TestCorruptStateRefused(t *testing.T) {
	for name, content := range map[string][]byte{
		"garbage":   []byte(strings.Repeat("not a database ", 400)),
		"truncated": nil, // filled below from a real state
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if content == nil {
				st, err := ledger.OpenSQLite(context.Background(), path, false)
				if err != nil {
					t.Fatal(err)
				}
				commitEntries(t, st, 2000)
				st.Close()
				full, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				content = full[:len(full)/3]
				os.Remove(path + "-wal")
				os.Remove(path + "-shm")
			}
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := ledger.OpenSQLite(context.Background(), path, false)
			if err == nil {
				// A truncated file may open; then using it must fail rather than look empty.
				_, err = st.CountLive(context.Background(), scope)
				if err == nil {
					err = st.Commit(context.Background(), ledger.Commit{Scope: scope})
				}
				st.Close()
			}
			if err == nil {
				t.Fatal("a damaged state was accepted")
			}
		})
	}
}

func commitEntries(t *testing.T, st *ledger.SQLite, n int) {
	t.Helper()
	c := ledger.Commit{Scope: scope}
	for i := 0; i < n; i++ {
		c.Entries = append(c.Entries, ledger.Entry{Key: fmt.Sprintf("[%d]", i), TargetKey: fmt.Sprintf("[%d]", i),
			Hash: "h", Doc: []byte(`{"x":"` + strings.Repeat("y", 100) + `"}`), Status: ledger.Live})
	}
	if err := st.Commit(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func TestSessionSeenAndUnseen(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "state.db"), false)
	commitEntries(t, st, 5) // keys [0]..[4]
	sess, err := st.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.See(ctx, []string{"[0]", "[1]", "[2]"}, []bool{true, false, true}); err != nil {
		t.Fatal(err)
	}
	if err := sess.See(ctx, []string{"[2]", "[9]"}, []bool{true, true}); err != nil {
		t.Fatal(err)
	}
	dups, err := sess.Seal(ctx)
	if err != nil || fmt.Sprint(dups) != "[[2]]" {
		t.Fatalf("dups across batches = %v, %v; want [[2]]", dups, err)
	}
	var unseen []string
	err = sess.Unseen(ctx, scope, func(e ledger.Entry) error {
		if !strings.Contains(string(e.Doc), "yyy") || e.TargetKey != e.Key {
			t.Errorf("removal %s came without its doc or target key: %+v", e.Key, e)
		}
		unseen = append(unseen, e.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// [1] was read but filtered out: absent. [3] and [4] were not read.
	if fmt.Sprint(unseen) != "[[1] [3] [4]]" {
		t.Fatalf("unseen = %v", unseen)
	}
	present, err := sess.Present(ctx, []string{"[0]", "[1]", "[7]", "[9]"})
	if err != nil || fmt.Sprint(present) != "map[[0]:true [9]:true]" {
		t.Fatalf("present = %v, %v", present, err)
	}
	got, err := sess.Lookup(ctx, scope, []string{"[0]", "[7]"})
	if err != nil || len(got) != 1 || got["[0]"].Status != ledger.Live {
		t.Fatalf("lookup = %v, %v", got, err)
	}
	// A new session starts empty.
	sess.Close()
	sess2, err := st.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sess2.Close()
	if _, err := sess2.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := sess2.Present(ctx, []string{"[0]"}); p["[0]"] {
		t.Fatal("a new session saw keys of the previous one")
	}
}

// TestUnseenMergesInTheLedgersOrder reads thousands of keys whose byte order differs from their
// numeric order ("[10]" < "[9]"): the merge of the ledger's scan with the seen keys must agree on it.
func TestUnseenMergesInTheLedgersOrder(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "state.db"), false)
	const n = 3000
	commitEntries(t, st, n)
	sess, err := st.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	want := map[string]bool{}
	for i := n - 1; i >= 0; i-- { // any read order
		k := fmt.Sprintf("[%d]", i)
		if i%3 == 0 || i%7 == 0 {
			want[k] = true
			continue
		}
		if err := sess.See(ctx, []string{k}, []bool{true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sess.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	if err := sess.Unseen(ctx, scope, func(e ledger.Entry) error { got[e.Key] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d removals, want %d", len(got), len(want))
	}
	for k := range want {
		if !got[k] {
			t.Fatalf("%s not seen but not a removal", k)
		}
	}
}

func TestCommitRunsRejectsAndCursor(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "state.db"), false)
	run, err := st.StartRun(ctx, scope, "cursor", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = st.Commit(ctx, ledger.Commit{Scope: scope, RunID: run,
		Entries: []ledger.Entry{{Key: "[1]", TargetKey: "[1]", TargetID: "t1", Hash: "a", Status: ledger.Live}},
		Reject:  []ledger.Rejected{{Key: "[2]", TargetKey: "[2]", Action: "create", Reason: "bad"}},
		Cursor:  []byte(`["x"]`), Counts: ledger.Counts{Create: 1, Failed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	// Attempts count up; an empty target id keeps the stored one.
	err = st.Commit(ctx, ledger.Commit{Scope: scope, RunID: run,
		Entries: []ledger.Entry{{Key: "[1]", TargetKey: "[1]", Hash: "b", Status: ledger.Live}},
		Reject:  []ledger.Rejected{{Key: "[2]", TargetKey: "[2]", Action: "create", Reason: "still bad"}},
		Counts:  ledger.Counts{Update: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, ledger.RunOK, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	rej, _ := st.Rejects(ctx, scope)
	if len(rej) != 1 || rej[0].Attempts != 2 || rej[0].Reason != "still bad" {
		t.Fatalf("rejects = %+v", rej)
	}
	runs, _ := st.Runs(ctx, scope, 10)
	if len(runs) != 1 || runs[0].Counts != (ledger.Counts{Create: 1, Update: 1, Failed: 1}) || runs[0].Status != ledger.RunOK {
		t.Fatalf("runs = %+v", runs)
	}
	cur, _, _ := st.Position(ctx, scope)
	if string(cur) != `["x"]` {
		t.Fatalf("cursor = %s", cur)
	}
	sess, _ := st.Session(ctx)
	defer sess.Close()
	got, _ := sess.Lookup(ctx, scope, []string{"[1]"})
	if got["[1]"].TargetID != "t1" || got["[1]"].Hash != "b" {
		t.Fatalf("entry = %+v", got["[1]"])
	}
	// A run left running by a dead process is marked interrupted by the next start.
	if _, err := st.StartRun(ctx, scope, "cursor", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartRun(ctx, scope, "cursor", time.Now()); err != nil {
		t.Fatal(err)
	}
	runs, _ = st.Runs(ctx, scope, 10)
	if runs[1].Status != ledger.RunInterrupted {
		t.Fatalf("stale run status = %s", runs[1].Status)
	}
}

func TestLockNamesHolder(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "state.db"), false)
	unlock, err := st.Lock("people")
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Lock("people")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	other, err := st.Lock("other")
	if err != nil {
		t.Fatalf("another sync's lock: %v", err)
	}
	other()
	unlock()
	again, err := st.Lock("people")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}

// TestNewStateUsesSmallPages: a new state keeps SQLite's 4 KiB page. An entry (a few hundred bytes with
// its document) changed in an incremental run dirties a whole page, which goes to the WAL and back to
// the file; 16 KiB pages made a 1%-updated cursor run of 1M rows about a third slower (ADR 0002).
func TestNewStateUsesSmallPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path, false)
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The header stores the page size at offset 16, big-endian.
	if len(f) < 18 || int(f[16])<<8|int(f[17]) != 4096 {
		t.Fatalf("page size %d, want 4096", int(f[16])<<8|int(f[17]))
	}
}

func TestPreloadAnswersUnchanged(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "state.db"), false)
	err := st.Commit(ctx, ledger.Commit{Scope: scope, Entries: []ledger.Entry{
		{Key: "[1]", TargetKey: "[1]", Hash: "h1", Status: ledger.Live},
		{Key: "[2]", TargetKey: "[2]", Hash: "h2", Status: ledger.SoftDeleted},
		{Key: "[3]", TargetKey: "[3]", Hash: "h3", Status: ledger.Pending},
	}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := st.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if sess.Unchanged(scope, "[1]", "h1") {
		t.Fatal("Unchanged answered before Preload")
	}
	other := ledger.Scope{Sync: "other", Target: "t"}
	if ok, err := sess.Preload(ctx, other); ok || err != nil {
		t.Fatalf("Preload of an unknown scope = %v, %v", ok, err)
	}
	if _, ok := sess.Held(scope); ok {
		t.Fatal("Held answered before Preload")
	}
	if ok, err := sess.Preload(ctx, scope); !ok || err != nil {
		t.Fatalf("Preload = %v, %v", ok, err)
	}
	if n, ok := sess.Held(scope); !ok || n != 2 {
		t.Fatalf("Held = %d, %v; want 2 (the live and the pending entry)", n, ok)
	}
	for _, c := range []struct {
		key, hash string
		want      bool
	}{
		{"[1]", "h1", true},
		{"[1]", "h2", false}, // changed
		{"[2]", "h2", false}, // soft-deleted: an update brings it back
		{"[3]", "h3", false}, // pending: its send is unconfirmed
		{"[4]", "h1", false}, // new
		{"[1]h", "1", false}, // the pair is not a concatenation
	} {
		if got := sess.Unchanged(scope, c.key, c.hash); got != c.want {
			t.Errorf("Unchanged(%s, %s) = %v, want %v", c.key, c.hash, got, c.want)
		}
	}
	if sess.Unchanged(other, "[1]", "h1") {
		t.Fatal("Unchanged answered for a scope that was not preloaded")
	}
}

// TestCommitKeepsTheLastEntryOfAKey: Commit stores entries in key order; of two entries of one key in
// a commit (a record updated, then found gone and created again), the later one is what stays.
func TestCommitKeepsTheLastEntryOfAKey(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "state.db"), false)
	c := ledger.Commit{Scope: scope}
	for i, k := range []string{"[9]", "[1]", "[5]", "[1]", "[9]", "[1]"} {
		c.Entries = append(c.Entries, ledger.Entry{Key: k, TargetKey: k, Hash: fmt.Sprint("h", i), Status: ledger.Live})
	}
	if err := st.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.Entries[0].Key != "[9]" {
		t.Fatal("Commit reordered the caller's entries")
	}
	sess, err := st.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	got, err := sess.Lookup(ctx, scope, []string{"[1]", "[5]", "[9]"})
	if err != nil {
		t.Fatal(err)
	}
	if got["[1]"].Hash != "h5" || got["[5]"].Hash != "h2" || got["[9]"].Hash != "h4" {
		t.Fatalf("hashes = %s %s %s, want h5 h2 h4", got["[1]"].Hash, got["[5]"].Hash, got["[9]"].Hash)
	}
}
