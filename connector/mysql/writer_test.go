package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

func openWriter(t *testing.T, c *Conn, req connector.WriteRequest) connector.Writer {
	t.Helper()
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatalf("OpenWriter: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func create(id int64, rec connector.Record) connector.Change {
	rec["id"] = id
	return connector.Change{Action: connector.Create, Key: []any{id}, Record: rec}
}

// Names with backticks, semicolons, question marks, quotes and unicode are quoted everywhere: the table
// `a“b;drop table x` is written and read, and table x survives.
func TestIdentifierQuoting(t *testing.T) {
	d := newTestDB(t)
	const tbl = "a`b;drop table x"
	cols := []string{"id", "ünïcødé 名前", "q?mark", "it's \"quoted\"", "back`tick", "-- dash"}
	// Quoted by hand, so that the set-up does not depend on the code under test.
	d.exec(t, "CREATE TABLE x (id INT PRIMARY KEY)", "INSERT INTO x VALUES (1)",
		"CREATE TABLE `a``b;drop table x` (id BIGINT PRIMARY KEY, `ünïcødé 名前` TEXT NULL, `q?mark` TEXT NULL, "+
			"`it's \"quoted\"` TEXT NULL, `back``tick` TEXT NULL, `-- dash` TEXT NULL)")
	c := d.open(t, nil)
	for _, stream := range []string{tbl, d.name + "." + tbl, quoteIdent(d.name) + "." + quoteIdent(tbl)} {
		w := openWriter(t, c, connector.WriteRequest{Stream: stream, Key: []string{"id"}, Fields: cols})
		rec := connector.Record{}
		for i, col := range cols[1:] {
			rec[col] = fmt.Sprintf("value %d ?", i)
		}
		batch := []connector.Change{create(1, rec.Clone()), create(2, rec.Clone()),
			{Action: connector.SoftDelete, Key: []any{int64(2)}, Record: connector.Record{"back`tick": "soft ?"}}}
		for _, res := range applyAll(t, w, batch) {
			if res.Err != nil {
				t.Fatalf("stream %q: %v", stream, res.Err)
			}
		}
		got := byID(t, readAll(t, func() (connector.Reader, error) {
			return c.ReadCursor(context.Background(), connector.CursorRequest{
				ReadRequest: connector.ReadRequest{Stream: stream, Key: []string{"id"}},
				Cursor:      []string{"back`tick"}, From: []any{"", int64(0)},
			})
		}))
		want1 := rec.Clone()
		want1["id"] = int64(1)
		want2 := want1.Clone()
		want2["id"], want2["back`tick"] = int64(2), "soft ?"
		if diff := cmp.Diff(map[int64]connector.Record{1: want1, 2: want2}, got); diff != "" {
			t.Errorf("stream %q (-want +got):\n%s", stream, diff)
		}
		for _, res := range applyAll(t, w, []connector.Change{{Action: connector.Delete, Key: []any{int64(2)}}}) {
			if res.Err != nil {
				t.Fatal(res.Err)
			}
		}
		d.exec(t, "DELETE FROM "+quoteIdent(tbl))
	}
	if n := d.count(t, "x"); n != 1 {
		t.Errorf("table x has %d rows", n)
	}
}

func TestParseStream(t *testing.T) {
	cases := []struct {
		stream, def string
		want        table
		err         string
	}{
		{"t", "db", table{"db", "t"}, ""},
		{"other.t", "db", table{"other", "t"}, ""},
		{"a`b;drop table x", "db", table{"db", "a`b;drop table x"}, ""},
		{"`my.db`.`t.1`", "", table{"my.db", "t.1"}, ""},
		{"`a``b`", "db", table{"db", "a`b"}, ""},
		{"ünï.名前", "", table{"ünï", "名前"}, ""},
		{"t", "", table{}, "no database"},
		{"", "db", table{}, "empty"},
		{"a.", "db", table{}, "empty"},
		{".t", "db", table{}, "empty"},
		{"a.b.c", "db", table{}, "database.table"},
		{"`a", "db", table{}, "unterminated"},
		{"`a`b", "db", table{}, "after a closing backtick"},
		{"``", "db", table{}, "empty"},
	}
	for _, tc := range cases {
		got, err := parseStream(tc.stream, tc.def)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseStream(%q): err = %v, want one containing %q", tc.stream, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseStream(%q) = %+v, %v; want %+v", tc.stream, got, err, tc.want)
		}
	}
}

// Whatever parses, quoted back, parses to the same table.
func FuzzParseStream(f *testing.F) {
	for _, s := range []string{"t", "db.t", "`a``b`.`c.d`", "a`b;drop table x", "`", "..", "`x`y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseStream(s, "def")
		if err != nil {
			return
		}
		again, err := parseStream(got.String(), "")
		if err != nil || again != got {
			t.Errorf("parseStream(%q) = %+v, but its quoted form %s parses to %+v, %v", s, got, got.String(), again, err)
		}
	})
}

// One record that violates a constraint in a batch of 1000 is rejected alone; the other 999 are written.
func TestBadRecordIsolated(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL, n INT NULL, CHECK (n >= 0))")
	c := d.open(t, nil)
	w := openWriter(t, c, connector.WriteRequest{Stream: "t", Key: []string{"id"}, Fields: []string{"id", "n", "name"}})
	bad := map[string]connector.Record{
		"not null":     {"name": nil, "n": int64(1)},
		"too long":     {"name": strings.Repeat("x", 21), "n": int64(1)},
		"check":        {"name": "x", "n": int64(-1)},
		"out of range": {"name": "x", "n": int64(1) << 40},
		"wrong type":   {"name": "x", "n": "not a number"},
	}
	for what, rec := range bad {
		t.Run(what, func(t *testing.T) {
			d.exec(t, "DELETE FROM t")
			var batch []connector.Change
			for i := range int64(1000) {
				batch = append(batch, create(i+1, connector.Record{"name": fmt.Sprint("n", i), "n": i}))
			}
			batch[617] = create(618, rec.Clone())
			res := applyAll(t, w, batch)
			for i, r := range res {
				if (r.Err != nil) != (i == 617) {
					t.Errorf("result %d: %v", i, r.Err)
				}
			}
			if res[617].Err != nil && connector.IsRetryable(res[617].Err) {
				t.Errorf("a constraint violation is marked retryable: %v", res[617].Err)
			}
			if n := d.count(t, "t"); n != 999 {
				t.Errorf("%d rows written, want 999", n)
			}
		})
	}
}

// With a UNIQUE index besides the key, an upsert whose row collides with another record on that index
// is rejected instead of overwriting the other record.
func TestOtherUniqueIndexGuard(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (code VARCHAR(10) NOT NULL PRIMARY KEY, email VARCHAR(50) NOT NULL UNIQUE, n INT)",
		"INSERT INTO t VALUES ('a', 'a@x', 1), ('b', 'b@x', 2)")
	c := d.open(t, nil)
	w := openWriter(t, c, connector.WriteRequest{Stream: "t", Key: []string{"code"}})
	up := func(a connector.Action, code, email string, n int64) connector.Change {
		return connector.Change{Action: a, Key: []any{code}, Record: connector.Record{"code": code, "email": email, "n": n}}
	}
	res := applyAll(t, w, []connector.Change{up(connector.Create, "a", "a@x", 10), up(connector.Create, "c", "b@x", 30),
		up(connector.Create, "d", "d@x", 40), up(connector.Update, "b", "b2@x", 20)})
	for i, want := range []bool{false, true, false, false} {
		if (res[i].Err != nil) != want {
			t.Errorf("result %d: %v (want an error: %v)", i, res[i].Err, want)
		}
	}
	if res[1].Err != nil && !strings.Contains(res[1].Err.Error(), "UNIQUE index other than the key") {
		t.Errorf("the error does not explain the conflict: %v", res[1].Err)
	}
	got := byKey(snapshot(t, c, "t"), "code")
	want := map[string]connector.Record{
		"a": {"code": "a", "email": "a@x", "n": int64(10)},
		"b": {"code": "b", "email": "b2@x", "n": int64(20)},
		"d": {"code": "d", "email": "d@x", "n": int64(40)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func byKey(recs []connector.Record, field string) map[string]connector.Record {
	out := map[string]connector.Record{}
	for _, r := range recs {
		out[fmt.Sprint(r[field])] = r
	}
	return out
}

// OpenWriter checks the table before anything is written.
func TestOpenWriterChecks(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT)", "CREATE TABLE nokey (id INT, a INT)",
		"CREATE TABLE wide (id INT, x INT, a INT, UNIQUE (id, x))", "CREATE TABLE my (id INT PRIMARY KEY) ENGINE=MyISAM")
	c := d.open(t, nil)
	cases := []struct {
		name string
		req  connector.WriteRequest
		want []string
	}{
		{"mapped column missing", connector.WriteRequest{Stream: "t", Key: []string{"id"}, Fields: []string{"a", "nope", "id"}}, []string{`"nope"`, "`t`"}},
		{"key column missing", connector.WriteRequest{Stream: "t", Key: []string{"k"}}, []string{`"k"`, "`t`"}},
		{"no unique key", connector.WriteRequest{Stream: "nokey", Key: []string{"id"}}, []string{"UNIQUE", "ALTER TABLE"}},
		{"unique key is wider than the key", connector.WriteRequest{Stream: "wide", Key: []string{"id"}}, []string{"UNIQUE"}},
		{"create_table", connector.WriteRequest{Stream: "t", Key: []string{"id"}, Options: connector.Settings{"create_table": true}}, []string{"create_table", "not supported"}},
		{"unknown option", connector.WriteRequest{Stream: "t", Key: []string{"id"}, Options: connector.Settings{"batch": 5}}, []string{"batch"}},
		{"append with a unique key", connector.WriteRequest{Stream: "t", Key: []string{"id"}, Append: true}, []string{"append", "PRIMARY"}},
	}
	for _, tc := range cases {
		_, err := c.OpenWriter(context.Background(), tc.req)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %s", tc.name, err, w)
			}
		}
	}
	_, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}, Append: true})
	if !errors.Is(err, connector.ErrUnsupported) {
		t.Errorf("append into a table with a unique key: err = %v, want connector.ErrUnsupported", err)
	}
	d.exec(t, "CREATE TABLE my_log (id INT, a INT) ENGINE=MyISAM")
	if _, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "my_log", Key: []string{"id"}, Append: true}); err == nil || !strings.Contains(err.Error(), "InnoDB") {
		t.Errorf("append into MyISAM: err = %v, want one asking for InnoDB", err)
	}
	if _, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "my", Key: []string{"id"}}); err != nil {
		t.Errorf("upserts into MyISAM: %v", err)
	}
}

// Append adds a row for every create, into a table keyed by its own AUTO_INCREMENT column.
func TestAppend(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE log (seq BIGINT AUTO_INCREMENT PRIMARY KEY, id INT NOT NULL, v TEXT)")
	c := d.open(t, nil)
	w := openWriter(t, c, connector.WriteRequest{Stream: "log", Key: []string{"id"}, Append: true})
	batch := []connector.Change{create(1, connector.Record{"v": "a"}), create(1, connector.Record{"v": "b"}), create(2, connector.Record{"v": nil})}
	for range 2 {
		for _, r := range applyAll(t, w, batch) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
	res := applyAll(t, w, []connector.Change{{Action: connector.Delete, Key: []any{int64(1)}}})
	if !errors.Is(res[0].Err, connector.ErrUnsupported) {
		t.Errorf("delete in append mode: %v, want ErrUnsupported", res[0].Err)
	}
	if n := d.count(t, "log"); n != 6 {
		t.Errorf("%d rows, want 6", n)
	}
}

// An Update that lacks a NOT NULL column without default cannot be an upsert (strict mode rejects the
// INSERT part); it updates the existing row by key instead.
func TestUpdateWithoutRequiredColumn(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, req VARCHAR(10) NOT NULL, opt INT NULL, j JSON NULL)",
		"INSERT INTO t VALUES (1, 'keep', 1, NULL), (2, 'keep2', 2, NULL)")
	c := d.open(t, nil)
	w := openWriter(t, c, connector.WriteRequest{Stream: "t", Key: []string{"id"}})
	up := func(id int64, rec connector.Record) connector.Change {
		rec["id"] = id
		return connector.Change{Action: connector.Update, Key: []any{id}, Record: rec}
	}
	res := applyAll(t, w, []connector.Change{
		up(1, connector.Record{"opt": int64(10), "j": []any{"x"}}),
		up(2, connector.Record{"opt": "bad"}),
		up(3, connector.Record{"opt": int64(30)}), // absent: stays absent
		up(1, connector.Record{}),                 // key only: nothing to do
		up(4, connector.Record{}),                 // key only, absent
	})
	for i, want := range []bool{false, true, true, false, true} {
		if (res[i].Err != nil) != want {
			t.Errorf("result %d: %v", i, res[i].Err)
		}
	}
	for _, i := range []int{2, 4} {
		if !errors.Is(res[i].Err, connector.ErrNotFound) {
			t.Errorf("update of an absent record: %v, want ErrNotFound", res[i].Err)
		}
	}
	want := map[int64]connector.Record{
		1: {"id": int64(1), "req": "keep", "opt": int64(10), "j": []any{"x"}},
		2: {"id": int64(2), "req": "keep2", "opt": int64(2), "j": nil},
	}
	if diff := cmp.Diff(want, byID(t, snapshot(t, c, "t"))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Statements are cut below max_allowed_packet; a record too large for any statement is rejected alone.
// Composite keys delete and soft-delete in batches.
func TestStatementSizes(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (a INT, b VARCHAR(10), v LONGTEXT, deleted BOOL NULL, PRIMARY KEY (a, b))")
	c := d.open(t, nil)
	wr := openWriter(t, c, connector.WriteRequest{Stream: "t", Key: []string{"a", "b"}})
	w := wr.(*writer)
	w.maxBytes = 20_000
	var batch []connector.Change
	for i := range int64(300) {
		b := fmt.Sprint("k", i%3)
		batch = append(batch, connector.Change{Action: connector.Create, Key: []any{i, b},
			Record: connector.Record{"a": i, "b": b, "v": strings.Repeat("'\\", 200)}})
	}
	batch = append(batch, connector.Change{Action: connector.Create, Key: []any{int64(1000), "big"},
		Record: connector.Record{"a": int64(1000), "b": "big", "v": strings.Repeat("x", 30_000)}})
	res := applyAll(t, w, batch)
	for i, r := range res {
		if (r.Err != nil) != (i == 300) {
			t.Errorf("result %d: %v", i, r.Err)
		}
	}
	if res[300].Err != nil && !strings.Contains(res[300].Err.Error(), "max_allowed_packet") {
		t.Errorf("oversized record: %v", res[300].Err)
	}
	if n := d.count(t, "t"); n != 300 {
		t.Fatalf("%d rows, want 300", n)
	}
	var changes []connector.Change
	for i := range int64(300) {
		key := []any{i, fmt.Sprint("k", i%3)}
		switch i % 3 {
		case 0:
			changes = append(changes, connector.Change{Action: connector.Delete, Key: key})
		case 1:
			changes = append(changes, connector.Change{Action: connector.SoftDelete, Key: key, Record: connector.Record{"deleted": true}})
		}
	}
	for _, r := range applyAll(t, w, changes) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	var n, soft int
	if err := d.db().QueryRow("SELECT COUNT(*), SUM(deleted = 1) FROM t").Scan(&n, &soft); err != nil {
		t.Fatal(err)
	}
	if n != 200 || soft != 100 {
		t.Errorf("%d rows (%d soft-deleted), want 200 (100)", n, soft)
	}
}

// A lock wait timeout fails the batch as a retryable error and writes nothing of it.
func TestLockWaitIsTransient(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 0)")
	r := connector.NewRegistry()
	Register(r)
	cn, err := r.Open(Kind, connector.Settings{"dsn": d.dsn(func(c *mysql.Config) {
		c.Params = map[string]string{"innodb_lock_wait_timeout": "1"}
	})}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	w := openWriter(t, cn.(*Conn), connector.WriteRequest{Stream: "t", Key: []string{"id"}})

	tx, err := d.db().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("SELECT * FROM t WHERE id = 1 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = w.Apply(context.Background(), []connector.Change{create(2, connector.Record{"v": int64(2)}), create(1, connector.Record{"v": int64(1)})})
	if err == nil || !connector.IsRetryable(err) {
		t.Fatalf("Apply against a locked row: err = %v, want a retryable error", err)
	}
	if serverErrNumber(err) != erLockWaitTimeout {
		t.Errorf("err = %v, want a lock wait timeout", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Error("took too long")
	}
	tx.Rollback()
	if n := d.count(t, "t"); n != 1 {
		t.Errorf("%d rows after the failed batch, want 1 (nothing of it applied)", n)
	}
}

// An Update or SoftDelete of a record the table does not hold is connector.ErrNotFound and creates
// nothing, in batches that mix present and absent records, with a composite key, and with keys that are
// equal only under the column's collation.
func TestNotFound(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (a INT, b VARCHAR(10) COLLATE utf8mb4_general_ci, v INT, gone BOOL, PRIMARY KEY (a, b))",
		"INSERT INTO t SELECT seq, CONCAT('k', seq), 0, FALSE FROM seq_0_to_99")
	c := d.open(t, nil)
	w := openWriter(t, c, connector.WriteRequest{Stream: "t", Key: []string{"a", "b"}})
	var batch []connector.Change
	missing := map[int]bool{}
	for i := range 200 {
		a, b := int64(i%120), fmt.Sprint("k", i%120)
		if i%7 == 0 {
			b = strings.ToUpper(b) // the same key for the collation
		}
		if i%120 >= 100 {
			missing[i] = true
		}
		if i < 100 {
			batch = append(batch, connector.Change{Action: connector.Update, Key: []any{a, b},
				Record: connector.Record{"a": a, "b": b, "v": int64(i + 1)}})
		} else {
			batch = append(batch, connector.Change{Action: connector.SoftDelete, Key: []any{a, b}, Record: connector.Record{"gone": true}})
		}
	}
	res := applyAll(t, w, batch)
	for i, r := range res {
		if missing[i] != errors.Is(r.Err, connector.ErrNotFound) || (!missing[i] && r.Err != nil) {
			t.Errorf("change %d (%v %v): %v", i, batch[i].Action, batch[i].Key, r.Err)
		}
	}
	var n, updated, gone int
	if err := d.db().QueryRow("SELECT COUNT(*), SUM(v > 0), SUM(gone) FROM t").Scan(&n, &updated, &gone); err != nil {
		t.Fatal(err)
	}
	if n != 100 || updated != 100 || gone != 80 {
		t.Errorf("%d rows, %d updated, %d soft-deleted; want 100, 100, 80", n, updated, gone)
	}
}

// Match on the key is what upserts do anyway; match on other fields is not supported. Append writers say
// that they are not idempotent, so that the engine records their intent first.
func TestMatchAndIdempotence(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, email VARCHAR(20) UNIQUE)", "CREATE TABLE log (n INT AUTO_INCREMENT PRIMARY KEY, id INT)")
	c := d.open(t, nil)
	if _, err := c.OpenWriter(context.Background(), connector.WriteRequest{Stream: "t", Key: []string{"id"}, Match: []string{"email"}}); !errors.Is(err, connector.ErrUnsupported) {
		t.Errorf("match on email: err = %v, want ErrUnsupported", err)
	}
	w := openWriter(t, c, connector.WriteRequest{Stream: "t", Key: []string{"id"}, Match: []string{"ID"}})
	if w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("an upserting writer says it is not idempotent")
	}
	a := openWriter(t, c, connector.WriteRequest{Stream: "log", Key: []string{"id"}, Append: true})
	if !a.(connector.NonIdempotent).NonIdempotent() {
		t.Error("an append writer says it is idempotent")
	}
}

// Keys of a DECIMAL(20,0) column beyond 2^53 differ only past a double's precision. Compared as
// strings in an IN list (a scan), MariaDB took them as doubles: a DELETE of 10000000000000001 removed
// 10000000000000000 too, and an Update of an absent key counted a neighbour and created a row. Key values
// are now cast to the column's type.
func TestLargeDecimalKeysMatchExactly(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (k DECIMAL(20,0) PRIMARY KEY, v INT)",
		"INSERT INTO t VALUES (10000000000000000,1),(10000000000000001,2),(30000000000000000,3),(40000000000000000,4),(50000000000000000,5),(60000000000000000,6)")
	w := openWriter(t, d.open(t, nil), connector.WriteRequest{Stream: "t", Key: []string{"k"}})
	var batch []connector.Change
	for _, k := range []string{"10000000000000001", "30000000000000000", "40000000000000000", "50000000000000000", "60000000000000000"} {
		batch = append(batch, connector.Change{Action: connector.Delete, Key: []any{json.Number(k)}})
	}
	applyAll(t, w, batch)
	var n int
	if err := d.db().QueryRow("SELECT COUNT(*) FROM t WHERE k = 10000000000000000").Scan(&n); err != nil || n != 1 {
		t.Fatalf("row 10000000000000000, never asked to be deleted: %d left (%v)", n, err)
	}
	res := applyAll(t, w, []connector.Change{
		{Action: connector.Update, Key: []any{json.Number("10000000000000000")}, Record: connector.Record{"k": json.Number("10000000000000000"), "v": int64(20)}},
		{Action: connector.Update, Key: []any{json.Number("10000000000000001")}, Record: connector.Record{"k": json.Number("10000000000000001"), "v": int64(70)}},
	})
	if res[0].Err != nil || !errors.Is(res[1].Err, connector.ErrNotFound) {
		t.Fatalf("updates of a present and an absent key: %v, %v (want nil, ErrNotFound)", res[0].Err, res[1].Err)
	}
	if got := d.count(t, "t"); got != 1 {
		t.Fatalf("%d rows, want 1: an update created one", got)
	}
}
