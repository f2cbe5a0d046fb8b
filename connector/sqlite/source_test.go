package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

func TestReadMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing.db")
	c := openConn(t, path)
	_, err := c.Read(context.Background(), connector.ReadRequest{Stream: "t"})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v, want an error naming %s as missing", err, path)
	}
	_, err = c.ReadCursor(context.Background(), connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "t"}, Cursor: []string{"x"}})
	if err == nil {
		t.Fatal("ReadCursor of a missing file succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("a read created %v", entries)
	}
}

// The read-only pool cannot create a file even if asked without the existence check.
func TestReadOnlyOpenCannotCreate(t *testing.T) {
	dir := t.TempDir()
	c := openConn(t, filepath.Join(dir, "x.db"))
	dsn, err := c.dsn("ro", "query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, dsn)
	if err := db.Ping(); err == nil {
		t.Error("a read-only open of a missing file succeeded")
	}
	if code, _ := primaryCode(db.Ping()); code != sqlite3.SQLITE_CANTOPEN {
		t.Errorf("error code %d, want SQLITE_CANTOPEN", code)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a read-only open created %v", entries)
	}
}

func TestReadMissingTableAndColumns(t *testing.T) {
	path := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`)
	c := openConn(t, path)
	ctx := context.Background()
	tests := []struct {
		name string
		read func() error
		want string
	}{
		{"missing table", func() error {
			_, err := c.Read(ctx, connector.ReadRequest{Stream: "nope"})
			return err
		}, `table "nope" does not exist`},
		{"missing key column", func() error {
			_, err := c.Read(ctx, connector.ReadRequest{Stream: "t", Key: []string{"uid"}})
			return err
		}, `table "t" has no column "uid"`},
		{"missing cursor column", func() error {
			_, err := c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "t"}, Cursor: []string{"updated"}})
			return err
		}, `table "t" has no column "updated"`},
		{"cursor position longer than cursor and key", func() error {
			_, err := c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "t"}, Cursor: []string{"v"}, From: []any{"a", int64(1), "extra"}})
			return err
		}, "cursor position has 3 values, want at most 2"},
		{"no cursor", func() error {
			_, err := c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "t"}})
			return err
		}, "at least one cursor field"},
		{"empty stream", func() error {
			_, err := c.Read(ctx, connector.ReadRequest{})
			return err
		}, "stream (table name) is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want it to name the file", err)
			}
		})
	}
}

// fileState is what a read must not change.
type fileState struct {
	sum   [32]byte
	size  int64
	mtime time.Time
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{sum: sha256.Sum256(b), size: st.Size(), mtime: st.ModTime()}
}

// Reads of every kind leave the database file as it was, in both journal modes.
func TestSourceNeverWrites(t *testing.T) {
	for _, mode := range []string{"DELETE", "WAL"} {
		t.Run(mode, func(t *testing.T) {
			stmts := []string{
				`PRAGMA journal_mode=` + mode,
				`CREATE TABLE t (id INTEGER PRIMARY KEY, seq INTEGER, v TEXT)`,
			}
			for i := range 50 {
				stmts = append(stmts, fmt.Sprintf(`INSERT INTO t VALUES (%d, %d, 'v%d')`, i, i%5, i))
			}
			path := newDB(t, stmts...)
			before := stateOf(t, path)
			time.Sleep(10 * time.Millisecond) // so that a write would show in the modification time
			c := openConn(t, path)
			for range 2 {
				if n := len(connectortest.Read(t, c, connector.ReadRequest{Stream: "t", Key: []string{"id"}, BatchSize: 7})); n != 50 {
					t.Fatalf("read %d records, want 50", n)
				}
				connectortest.ReadCursor(t, c, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "t", Key: []string{"id"}}, Cursor: []string{"seq"}, From: []any{int64(2), int64(0)}})
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if after := stateOf(t, path); after != before {
				t.Errorf("the source file changed: %+v, then %+v", before, after)
			}
		})
	}
}

// The connections a source reads through refuse writes: the guarantee does not rest on the connector's
// SQL alone.
func TestReadPoolRejectsWrites(t *testing.T) {
	path := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY)`)
	c := openConn(t, path)
	db, err := c.readDB()
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`INSERT INTO t VALUES (1)`, `CREATE TABLE u (x)`, `PRAGMA journal_mode=WAL`} {
		_, err := db.Exec(stmt)
		if stmt == `PRAGMA journal_mode=WAL` {
			// The pragma reports the mode; it must not have changed.
			var mode string
			if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
				t.Errorf("journal mode %q (%v), want delete", mode, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s succeeded on a read connection", stmt)
		}
	}
	if got := readTable(t, c, "t"); len(got) != 0 {
		t.Errorf("read %d records, want none", len(got))
	}
}

// A read sees the table as it was when the read began, whatever is written during it.
func TestSnapshotIsConsistent(t *testing.T) {
	stmts := []string{`PRAGMA journal_mode=WAL`, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`}
	for i := range 10 {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO t VALUES (%d, 'old')`, i))
	}
	path := newDB(t, stmts...)
	c := openConn(t, path)
	ctx := context.Background()
	r, err := c.Read(ctx, connector.ReadRequest{Stream: "t", BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	first, err := r.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A writer changes the table between two batches, through the connector's own target.
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}}
	applyOK(t, c, req, []connector.Change{
		{Action: connector.Update, Key: []any{int64(9)}, Record: connector.Record{"id": int64(9), "v": "new"}},
		{Action: connector.Create, Key: []any{int64(100)}, Record: connector.Record{"id": int64(100), "v": "new"}},
		{Action: connector.Delete, Key: []any{int64(5)}},
	})
	rest := connectortest.ReadAll(t, r, 3)
	all := append(first, rest...)
	if len(all) != 10 {
		t.Fatalf("read %d records, want the 10 of the snapshot", len(all))
	}
	for _, rec := range all {
		if rec["v"] != "old" {
			t.Errorf("record %v was read after the snapshot began", rec)
		}
	}
	if got := readTable(t, c, "t"); len(got) != 10 {
		t.Errorf("a new read sees %d records, want 10 (one created, one deleted)", len(got))
	}
}

// Names are always quoted: a table and columns named like SQL, with quotes, spaces and unicode.
func TestIdentifierQuoting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	c := openConn(t, path)
	table := `a"b;drop table x`
	key := []string{`ké"y`}
	req := connector.WriteRequest{Stream: table, Key: key, Options: connector.Settings{"create_table": true}}
	recs := []connector.Record{
		{`ké"y`: "ü1", "select": int64(1), `we"ird; --`: "x", "ünï cödé 日本": true, "order by": nil},
		{`ké"y`: "ü2", "select": int64(2), `we"ird; --`: "y", "ünï cödé 日本": false, "order by": 2.5},
	}
	db := rawDB(t, path)
	mustExec(t, db, `CREATE TABLE x (keep INTEGER)`, `INSERT INTO x VALUES (1)`)
	applyOK(t, c, req, create(key, recs...))
	applyOK(t, c, req, []connector.Change{
		{Action: connector.Update, Key: []any{"ü1"}, Record: connector.Record{"select": int64(10)}},
		{Action: connector.SoftDelete, Key: []any{"ü2"}, Record: connector.Record{"ünï cödé 日本": true}},
	})
	got := readTable(t, c, table)
	if len(got) != 2 || got[0]["select"] != int64(10) || got[1]["ünï cödé 日本"] != true || got[1]["order by"] != 2.5 {
		t.Errorf("read %v", got)
	}
	if got := connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: table, Key: key}, Cursor: []string{`we"ird; --`},
		From: []any{"y", "ü2"}}); len(got) != 1 || got[0][`ké"y`] != "ü2" {
		t.Errorf("cursor read %v", got)
	}
	applyOK(t, c, req, []connector.Change{{Action: connector.Delete, Key: []any{"ü1"}}})
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM x`).Scan(&n); err != nil || n != 1 {
		t.Errorf("table x: %d rows (%v); the name was not quoted", n, err)
	}
	if got := readTable(t, c, table); len(got) != 1 {
		t.Errorf("%d records after a delete, want 1", len(got))
	}
}

// Batches are no larger than asked, default to 1000, and hold every row once.
func TestReadBatches(t *testing.T) {
	stmts := []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2500) INSERT INTO t SELECT i, zeroblob(10) FROM n`}
	c := openConn(t, newDB(t, stmts...))
	for _, size := range []int{0, 1, 999, 2500, 5000} {
		r, err := c.Read(context.Background(), connector.ReadRequest{Stream: "t", BatchSize: size})
		if err != nil {
			t.Fatal(err)
		}
		want := size
		if size == 0 {
			want = defaultBatchSize
		}
		var sizes []int
		seen := map[int64]bool{}
		for {
			recs, err := r.Next(context.Background())
			if errors.Is(err, connector.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(recs))
			for _, rec := range recs {
				id := rec["id"].(int64)
				if seen[id] || !bytes.Equal(rec["pad"].([]byte), make([]byte, 10)) {
					t.Fatalf("record %v read twice or garbled", rec)
				}
				seen[id] = true
			}
		}
		r.Close()
		if len(seen) != 2500 {
			t.Errorf("batch size %d: read %d records, want 2500", size, len(seen))
		}
		if sizes[0] != min(want, 2500) {
			t.Errorf("batch size %d: first batch %d records, want %d", size, sizes[0], min(want, 2500))
		}
	}
}

// A canceled context ends a read with the context's error, and Close is then safe.
func TestReadCanceled(t *testing.T) {
	c := openConn(t, newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY)`, `INSERT INTO t VALUES (1), (2), (3)`))
	ctx, cancel := context.WithCancel(context.Background())
	r, err := c.Read(ctx, connector.ReadRequest{Stream: "t", BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel: %v, want context.Canceled", err)
	}
	if _, err := r.Next(context.Background()); err == nil {
		t.Error("Next after a failed Next succeeded; the read is incomplete")
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A read waiting on a lock reports a transient error.
func TestReadBusyIsTransient(t *testing.T) {
	path := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY)`) // rollback journal: a writer's lock blocks readers
	holder := rawDB(t, path)
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN EXCLUSIVE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)
	c, err := New(connector.Settings{"path": path, "busy_timeout": "20ms"}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.(*Conn).Read(context.Background(), connector.ReadRequest{Stream: "t"})
	if err == nil || !connector.IsRetryable(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
}
