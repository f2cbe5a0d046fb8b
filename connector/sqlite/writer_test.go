package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

func rec(kv ...any) connector.Record {
	r := connector.Record{}
	for i := 0; i < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

func TestOpenWriterErrors(t *testing.T) {
	path := newDB(t, `CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)`)
	c := openConn(t, path)
	missingFile := filepath.Join(t.TempDir(), "none.db")
	tests := []struct {
		name string
		conn *Conn
		req  connector.WriteRequest
		want []string
	}{
		{"missing table", c, connector.WriteRequest{Stream: "staff", Key: []string{"id"}},
			[]string{`table "staff" does not exist`, "create_table: true", path}},
		{"mapped field without a column", c, connector.WriteRequest{Stream: "people", Key: []string{"id"}, Fields: []string{"email", "id", "name"}},
			[]string{`table "people" has no column "email"`}},
		{"key field without a column", c, connector.WriteRequest{Stream: "people", Key: []string{"uid"}},
			[]string{`table "people" has no column "uid"`}},
		{"unknown option", c, connector.WriteRequest{Stream: "people", Key: []string{"id"}, Options: connector.Settings{"truncate": true}},
			[]string{"truncate", "unknown setting"}},
		{"create_table not a bool", c, connector.WriteRequest{Stream: "people", Key: []string{"id"}, Options: connector.Settings{"create_table": "yes"}},
			[]string{"create_table"}},
		{"no key", c, connector.WriteRequest{Stream: "people"}, []string{"no key fields"}},
		{"empty stream", c, connector.WriteRequest{Key: []string{"id"}}, []string{"stream (table name) is empty"}},
		{"missing file", openConn(t, missingFile), connector.WriteRequest{Stream: "people", Key: []string{"id"}},
			[]string{missingFile, "does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := tt.conn.OpenWriter(context.Background(), tt.req)
			if err == nil {
				w.Close()
				t.Fatal("OpenWriter succeeded")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err = %v, want it to contain %q", err, s)
				}
			}
		})
	}
	if _, err := os.Stat(missingFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a writer without create_table created the file: %v", err)
	}
}

// One record that breaks a constraint is rejected with its reason; the others of the batch are
// committed.
func TestConstraintRejectsOnlyThatRecord(t *testing.T) {
	path := newDB(t, `CREATE TABLE p (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		age INTEGER CHECK (age >= 0),
		email TEXT UNIQUE)`,
		`CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER) STRICT`)
	c := openConn(t, path)
	req := connector.WriteRequest{Stream: "p", Key: []string{"id"}}
	batch := create(req.Key,
		rec("id", int64(1), "name", "ok", "age", int64(1), "email", "a@x"),
		rec("id", int64(2), "name", nil, "age", int64(2), "email", "b@x"), // NOT NULL
		rec("id", int64(3), "name", "ok", "age", int64(3), "email", "c@x"),
		rec("id", int64(4), "name", "ok", "age", int64(-4), "email", "d@x"), // CHECK
		rec("id", int64(5), "name", "ok", "age", int64(5), "email", "a@x"),  // UNIQUE
		rec("id", int64(6), "name", "ok", "age", int64(6), "email", "f@x"),
	)
	batch = append(batch,
		connector.Change{Action: connector.Update, Key: []any{int64(1)}, Record: rec("id", int64(1), "age", int64(-1))}, // CHECK on update
		connector.Change{Action: connector.Update, Key: []any{int64(3)}, Record: rec("id", int64(3), "age", int64(33))},
	)
	res := apply(t, c, req, batch)
	wantErr := map[int]string{1: "NOT NULL", 3: "CHECK", 4: "UNIQUE", 6: "CHECK"}
	for i, r := range res {
		want, bad := wantErr[i]
		switch {
		case bad && (r.Err == nil || !strings.Contains(r.Err.Error(), want)):
			t.Errorf("change %d: err = %v, want a %s violation", i, r.Err, want)
		case bad && (!strings.Contains(r.Err.Error(), `table "p"`) || connector.IsRetryable(r.Err)):
			t.Errorf("change %d: err = %v, want a permanent error naming the table", i, r.Err)
		case !bad && r.Err != nil:
			t.Errorf("change %d: %v", i, r.Err)
		}
	}
	got := readTable(t, c, "p")
	want := []connector.Record{
		rec("id", int64(1), "name", "ok", "age", int64(1), "email", "a@x"),
		rec("id", int64(3), "name", "ok", "age", int64(33), "email", "c@x"),
		rec("id", int64(6), "name", "ok", "age", int64(6), "email", "f@x"),
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("table after the batch (-want +got):\n%s", diff)
	}

	// A STRICT table rejects a value of the wrong type, for that record only.
	sreq := connector.WriteRequest{Stream: "s", Key: []string{"id"}}
	res = apply(t, c, sreq, create(sreq.Key, rec("id", int64(1), "n", "text"), rec("id", int64(2), "n", int64(2))))
	if res[0].Err == nil || res[1].Err != nil {
		t.Errorf("STRICT table: results %v, want only the first rejected", res)
	}
}

// A batch-level failure rolls the whole batch back, including a rollback that SQLite itself did.
func TestBatchFailureRollsBack(t *testing.T) {
	tests := []struct {
		name    string
		trigger string
	}{
		{"runtime error", `CREATE TRIGGER tr BEFORE INSERT ON t WHEN NEW.id = 3 BEGIN SELECT abs(-9223372036854775808); END`},
		{"RAISE(ROLLBACK)", `CREATE TRIGGER tr BEFORE INSERT ON t WHEN NEW.id = 3 BEGIN SELECT RAISE(ROLLBACK, 'no 3'); END`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`, tt.trigger)
			c := openConn(t, path)
			req := connector.WriteRequest{Stream: "t", Key: []string{"id"}}
			w, err := c.OpenWriter(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			var batch []connector.Change
			for id := int64(1); id <= 5; id++ {
				batch = append(batch, create(req.Key, rec("id", id, "v", "x"))...)
			}
			if res, err := w.Apply(context.Background(), batch); err == nil {
				t.Fatalf("Apply succeeded with %v", res)
			}
			if got := readTable(t, c, "t"); len(got) != 0 {
				t.Errorf("%d records were written by a failed batch", len(got))
			}
			// The writer is usable after a failed batch.
			res, err := w.Apply(context.Background(), batch[:2])
			if err != nil || res[0].Err != nil || res[1].Err != nil {
				t.Fatalf("Apply after a failure: %v %v", res, err)
			}
			if got := readTable(t, c, "t"); len(got) != 2 {
				t.Errorf("%d records, want 2", len(got))
			}
		})
	}
}

// Every action, against a table keyed by its primary key, by a unique index and by no index at all. The
// tables have a NOT NULL column the sync does not write, which an upsert of some fields would trip over.
func TestActions(t *testing.T) {
	schemas := map[string]string{
		"primary key":   `CREATE TABLE t (k TEXT NOT NULL, n INTEGER NOT NULL, a TEXT, b INTEGER DEFAULT 7, extra TEXT NOT NULL DEFAULT 'x', PRIMARY KEY (k, n))`,
		"unique index":  `CREATE TABLE t (rid INTEGER PRIMARY KEY, k TEXT, n INTEGER, a TEXT, b INTEGER DEFAULT 7, extra TEXT NOT NULL DEFAULT 'x'); CREATE UNIQUE INDEX t_kn ON t (n, k)`,
		"no unique key": `CREATE TABLE t (k TEXT, n INTEGER, a TEXT, b INTEGER DEFAULT 7, extra TEXT NOT NULL DEFAULT 'x')`,
	}
	for name, schema := range schemas {
		t.Run(name, func(t *testing.T) {
			path := newDB(t, schema)
			c := openConn(t, path)
			req := connector.WriteRequest{Stream: "t", Key: []string{"k", "n"}, Fields: []string{"a", "b", "k", "n"}}
			key := func(k string, n int64) []any { return []any{k, n} }
			applyOK(t, c, req, []connector.Change{
				{Action: connector.Create, Key: key("x", 1), Record: rec("k", "x", "n", int64(1), "a", "one", "b", int64(1))},
				{Action: connector.Create, Key: key("x", 2), Record: rec("k", "x", "n", int64(2), "a", "two", "b", int64(2))},
				{Action: connector.Create, Key: key("y", 1), Record: rec("k", "y", "n", int64(1), "a", "three", "b", int64(3))},
				{Action: connector.Create, Key: key("z", 1), Record: rec("k", "z", "n", int64(1), "a", "four", "b", int64(4))},
			})
			batch := []connector.Change{
				// Create again: an upsert, no duplicate.
				{Action: connector.Create, Key: key("x", 1), Record: rec("k", "x", "n", int64(1), "a", "ONE", "b", int64(1))},
				// Update of some fields: the others keep their values.
				{Action: connector.Update, Key: key("x", 2), Record: rec("a", "TWO")},
				// Update with nothing but the key to set, of a present and of an absent key.
				{Action: connector.Update, Key: key("x", 2), Record: rec("k", "x", "n", int64(2))},
				{Action: connector.Update, Key: key("w", 8), Record: rec("k", "w", "n", int64(8))},
				// Update of a record the target does not hold: not found, never created.
				{Action: connector.Update, Key: key("w", 9), Record: rec("k", "w", "n", int64(9), "a", "ghost")},
				// Soft delete sets its fields; of an absent key, not found.
				{Action: connector.SoftDelete, Key: key("y", 1), Record: rec("a", "deleted")},
				{Action: connector.SoftDelete, Key: key("v", 0), Record: rec("a", "deleted")},
				// Delete, and delete of an absent key.
				{Action: connector.Delete, Key: key("z", 1)},
				{Action: connector.Delete, Key: key("z", 1)},
				{Action: connector.Delete, Key: key("nobody", 0)},
				{Action: connector.Unchanged, Key: key("x", 1)},
			}
			notFound := map[int]bool{3: true, 4: true, 6: true}
			for i, r := range apply(t, c, req, batch) {
				switch {
				case notFound[i] && !errors.Is(r.Err, connector.ErrNotFound):
					t.Errorf("change %d (%v of %v): err = %v, want connector.ErrNotFound", i, batch[i].Action, batch[i].Key, r.Err)
				case notFound[i] && connector.IsRetryable(r.Err):
					t.Errorf("change %d: not found is retryable", i)
				case !notFound[i] && r.Err != nil:
					t.Errorf("change %d (%v of %v): %v", i, batch[i].Action, batch[i].Key, r.Err)
				}
			}
			db := rawDB(t, path)
			rows, err := db.Query(`SELECT k, n, a, b, extra FROM t ORDER BY k, n`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var k, a, extra string
				var n int64
				var b sql.NullInt64
				if err := rows.Scan(&k, &n, &a, &b, &extra); err != nil {
					t.Fatal(err)
				}
				got = append(got, strings.Join([]string{k, fmtInt(n), a, nullInt(b), extra}, " "))
			}
			want := []string{"x 1 ONE 1 x", "x 2 TWO 2 x", "y 1 deleted 3 x"}
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

func nullInt(n sql.NullInt64) string {
	if !n.Valid {
		return "NULL"
	}
	return fmtInt(n.Int64)
}

// A record with a field the table lacks is rejected alone, naming the table and the column.
func TestRecordWithUnknownColumn(t *testing.T) {
	c := openConn(t, newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, g TEXT GENERATED ALWAYS AS (upper(a)))`))
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}}
	res := apply(t, c, req, create(req.Key,
		rec("id", int64(1), "a", "x"),
		rec("id", int64(2), "a", "y", "b", "nope"),
		rec("id", int64(3), "a", "z", "g", "computed"),
		rec("id", int64(4), "a", "w", "A", "twice"),
		rec("id", int64(5), "A", "case-insensitive"),
	))
	wants := []string{"", `table "t" has no column "b"`, `column "g" of table "t" is generated`, "name the same column", ""}
	for i, want := range wants {
		switch {
		case want == "" && res[i].Err != nil:
			t.Errorf("change %d: %v", i, res[i].Err)
		case want != "" && (res[i].Err == nil || !strings.Contains(res[i].Err.Error(), want)):
			t.Errorf("change %d: err = %v, want it to contain %q", i, res[i].Err, want)
		}
	}
	got := readTable(t, c, "t")
	if len(got) != 2 || got[1]["a"] != "case-insensitive" || got[1]["g"] != "CASE-INSENSITIVE" {
		t.Errorf("table holds %v", got)
	}
}

// create_table creates the table (and the file) from the first batch with records, with the key as
// primary key and column types from the values; the values then read back with the same types.
func TestCreateTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	c := openConn(t, path)
	req := connector.WriteRequest{Stream: "made", Key: []string{"id"}, Options: connector.Settings{"create_table": true}}
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// A batch without creates: nothing to delete or update in a table that does not exist, and no
	// table made for it.
	res, err := w.Apply(context.Background(), []connector.Change{
		{Action: connector.Delete, Key: []any{int64(1)}},
		{Action: connector.Update, Key: []any{int64(1)}, Record: rec("id", int64(1), "name", "x")},
		{Action: connector.SoftDelete, Key: []any{int64(1)}, Record: rec("name", "x")},
	})
	if err != nil || res[0].Err != nil || !errors.Is(res[1].Err, connector.ErrNotFound) || !errors.Is(res[2].Err, connector.ErrNotFound) {
		t.Fatalf("delete, update and soft delete before the table exists: %v %v", res, err)
	}
	if tbl, err := loadTable(context.Background(), rawDB(t, path), "made"); err != nil || tbl != nil {
		t.Fatalf("table created by a batch without records: %v %v", tbl, err)
	}
	// Without a map (Fields nil), the columns are the fields of the batch's records; a NULL in the
	// first record does not decide the type when a later record has a value.
	batch := create(req.Key,
		rec("id", int64(1), "name", "a", "score", nil),
		rec("id", int64(2), "name", "b", "score", 2.5, "tags", []any{"x"}),
	)
	res, err = w.Apply(context.Background(), batch)
	if err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("Apply: %v %v", res, err)
	}
	// A later field the table lacks is rejected, naming the column.
	res, err = w.Apply(context.Background(), create(req.Key, rec("id", int64(3), "name", "c", "late", true)))
	if err != nil || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), `no column "late"`) {
		t.Errorf("a field added later: %v %v, want a rejection naming the column", res, err)
	}
	want := "id INTEGER 1 1|name TEXT 0 0|score REAL 0 0|tags " + JSONType + " 0 0"
	if got := describe(t, path, "made"); got != want {
		t.Errorf("table made as %q, want %q", got, want)
	}

	// In append mode a key holds many records, so it is no primary key.
	areq := connector.WriteRequest{Stream: "log", Key: []string{"id"}, Append: true, Fields: []string{"at", "id"}, Options: connector.Settings{"create_table": true}}
	applyOK(t, c, areq, create(areq.Key, rec("id", int64(1), "at", "x"), rec("id", int64(1), "at", "y")))
	if got := describe(t, path, "log"); got != "id INTEGER 1 0|at TEXT 0 0" {
		t.Errorf("append table made as %q", got)
	}
	if got := readTable(t, c, "log"); len(got) != 2 {
		t.Errorf("append wrote %d records, want 2", len(got))
	}
}

// describe lists name, type, notnull and pk of each column of a table.
func describe(t *testing.T, path, table string) string {
	t.Helper()
	rows, err := rawDB(t, path).Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n, ty string
		var nn, pk int64
		if err := rows.Scan(&n, &ty, &nn, &pk); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{n, ty, fmtInt(nn), fmtInt(pk)}, " "))
	}
	return strings.Join(out, "|")
}

// A creation that fails with its batch leaves no table behind, and the next batch creates it.
func TestCreateTableRolledBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	c := openConn(t, path)
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}, Options: connector.Settings{"create_table": true}}
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Apply(ctx, create(req.Key, rec("id", int64(1)))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a canceled context: %v", err)
	}
	res, err := w.Apply(context.Background(), create(req.Key, rec("id", int64(1), "v", "x")))
	if err != nil || res[0].Err != nil {
		t.Fatalf("Apply: %v %v", res, err)
	}
	if got := readTable(t, c, "t"); len(got) != 1 {
		t.Errorf("%d records, want 1", len(got))
	}
}

// A writer waiting for another writer's lock fails with a transient error, and succeeds once the lock
// is released.
func TestWriteBusyIsTransient(t *testing.T) {
	path := newDB(t, `PRAGMA journal_mode=WAL`, `CREATE TABLE t (id INTEGER PRIMARY KEY)`)
	holder := rawDB(t, path)
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	cn, err := New(connector.Settings{"path": path, "busy_timeout": "20ms"}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	c := cn.(*Conn)
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}}
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	batch := create(req.Key, rec("id", int64(1)))
	if _, err := w.Apply(context.Background(), batch); err == nil || !connector.IsRetryable(err) {
		t.Fatalf("Apply while locked: %v, want a retryable error", err)
	}
	if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if res, err := w.Apply(context.Background(), batch); err != nil || res[0].Err != nil {
		t.Fatalf("Apply after the lock was released: %v %v", res, err)
	}
}

// Append inserts every Create as a new row.
func TestAppend(t *testing.T) {
	c := openConn(t, newDB(t, `CREATE TABLE ev (id INTEGER, v TEXT)`))
	req := connector.WriteRequest{Stream: "ev", Key: []string{"id"}, Append: true}
	applyOK(t, c, req, create(req.Key, rec("id", int64(1), "v", "a")))
	applyOK(t, c, req, create(req.Key, rec("id", int64(1), "v", "b")))
	if got := readTable(t, c, "ev"); len(got) != 2 {
		t.Errorf("%d rows, want 2", len(got))
	}
}

// A writer opened on one connection and closed returns its connection; Close is idempotent and
// Apply after Close fails.
func TestWriterClose(t *testing.T) {
	c := openConn(t, newDB(t, `CREATE TABLE t (id INTEGER PRIMARY KEY)`))
	w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := w.Apply(context.Background(), nil); err == nil {
		t.Error("Apply after Close succeeded")
	}
}

// Keys are matched by value: a time key given as RFC 3339 text (as connector.DecodeKey returns keys
// from the ledger) finds the row written with a time.Time, and so does a json.Number for an integer.
func TestKeysFromTheLedger(t *testing.T) {
	c := openConn(t, newDB(t, `CREATE TABLE t (at TIMESTAMP PRIMARY KEY, v TEXT)`, `CREATE TABLE n (id INTEGER PRIMARY KEY, v TEXT)`))
	at := time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)
	req := connector.WriteRequest{Stream: "t", Key: []string{"at"}}
	applyOK(t, c, req, create(req.Key, rec("at", at, "v", "a"), rec("at", at.Add(time.Second), "v", "b")))
	encoded, err := connector.EncodeKey([]any{at})
	if err != nil {
		t.Fatal(err)
	}
	key, err := connector.DecodeKey(encoded)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := key[0].(string); !ok {
		t.Fatalf("DecodeKey gave %T, this test wants the text form", key[0])
	}
	applyOK(t, c, req, []connector.Change{
		{Action: connector.Update, Key: key, Record: rec("v", "updated")},
		{Action: connector.Delete, Key: []any{at.Add(time.Second).Format(time.RFC3339Nano)}},
	})
	got := readTable(t, c, "t")
	if len(got) != 1 || got[0]["v"] != "updated" || !got[0]["at"].(time.Time).Equal(at) {
		t.Errorf("table holds %v", got)
	}

	nreq := connector.WriteRequest{Stream: "n", Key: []string{"id"}}
	applyOK(t, c, nreq, create(nreq.Key, rec("id", int64(7), "v", "x")))
	applyOK(t, c, nreq, []connector.Change{{Action: connector.Delete, Key: []any{json.Number("7")}}})
	if got := readTable(t, c, "n"); len(got) != 0 {
		t.Errorf("a json.Number key did not match: %v", got)
	}
}

// The writer adopts existing records by key only: another match is refused, not ignored.
func TestMatchOtherThanTheKeyIsRefused(t *testing.T) {
	c := openConn(t, filepath.Join(t.TempDir(), "db.sqlite"))
	_, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}, Match: []string{"email"}, Options: connector.Settings{"create_table": true}})
	if !errors.Is(err, connector.ErrUnsupported) {
		t.Fatalf("OpenWriter with match [email]: %v, want ErrUnsupported", err)
	}
}

// In append mode a Create is a plain INSERT: the writer says it is not idempotent, so that the engine
// records intents and a batch a crash interrupted is not inserted twice unnoticed.
func TestAppendWriterIsNotIdempotent(t *testing.T) {
	c := openConn(t, filepath.Join(t.TempDir(), "db.sqlite"))
	for _, tc := range []struct {
		append bool
		want   bool
	}{{true, true}, {false, false}} {
		w, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}, Append: tc.append, Options: connector.Settings{"create_table": true}})
		if err != nil {
			t.Fatal(err)
		}
		ni, ok := w.(connector.NonIdempotent)
		if got := ok && ni.NonIdempotent(); got != tc.want {
			t.Errorf("append %v: NonIdempotent = %v, want %v", tc.append, got, tc.want)
		}
		w.Close()
	}
}

// A key that arrives as a json.Number (a numeric id read from PostgreSQL, a uint64) is found again in a
// column without a declared type, where no affinity converts: it was written as text and looked up as a
// number, so an Update missed it (and the engine created a second row) and a Delete removed nothing.
func TestNumberKeysInAnUntypedColumnAreFoundAgain(t *testing.T) {
	path := newDB(t, `CREATE TABLE t (id, v TEXT)`)
	c := openConn(t, path)
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}}
	key := json.Number("42")
	applyOK(t, c, req, []connector.Change{{Action: connector.Create, Key: []any{key}, Record: connector.Record{"id": key, "v": "a"}}})
	applyOK(t, c, req, []connector.Change{{Action: connector.Update, Key: []any{key}, Record: connector.Record{"v": "b"}}})
	var n int
	var v string
	if err := rawDB(t, path).QueryRow(`SELECT count(*), max(v) FROM t`).Scan(&n, &v); err != nil || n != 1 || v != "b" {
		t.Fatalf("after the update: %d rows, v %q, %v; want 1 row with b", n, v, err)
	}
	applyOK(t, c, req, []connector.Change{{Action: connector.Delete, Key: []any{key}}})
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the delete: %d rows, %v", n, err)
	}
}
