package mysql

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
)

// The source never writes: a user with every right on the database reads in every mode, and afterwards
// the row count and CHECKSUM TABLE are as before. Inside the read transaction a write fails.
func TestSourceNeverWrites(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, sprintf(conformanceTable, "people"),
		"INSERT INTO people SELECT seq, CONCAT('name ', seq), seq / 4, seq % 2, IF(seq % 3 = 0, NULL, ''), IF(seq % 10 = 0, NULL, seq % 17) FROM seq_1_to_3000")
	user := "ow_src_" + randomHex(4)
	const password = "Src-Pa55word"
	d.exec(t, "CREATE USER "+quoteIdent(user)+"@'%' IDENTIFIED BY '"+password+"'",
		"GRANT ALL PRIVILEGES ON "+quoteIdent(d.name)+".* TO "+quoteIdent(user)+"@'%'")
	t.Cleanup(func() { d.exec(t, "DROP USER "+quoteIdent(user)+"@'%'") })

	count, sum := d.count(t, "people"), d.checksum(t, "people")
	r := connector.NewRegistry()
	Register(r)
	cn, err := r.Open(Kind, connector.Settings{"dsn": d.dsn(func(c *mysql.Config) { c.User, c.Passwd = user, password })}, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	c := cn.(*Conn)

	var writeErrs []error
	c.afterBegin = func(ctx context.Context, conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "UPDATE people SET name = 'written' WHERE id = 1")
		writeErrs = append(writeErrs, err)
		_, err = conn.ExecContext(ctx, "INSERT INTO people (id, name) VALUES (999999, 'x')")
		writeErrs = append(writeErrs, err)
		return nil
	}
	ctx := context.Background()
	key := []string{"id"}
	reads := []struct {
		name string
		open func() (connector.Reader, error)
	}{
		{"snapshot", func() (connector.Reader, error) {
			return c.Read(ctx, connector.ReadRequest{Stream: "people", Key: key, BatchSize: 500})
		}},
		{"cursor from the start", func() (connector.Reader, error) {
			return c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "people", Key: key}, Cursor: []string{"seq"}})
		}},
		{"cursor from a position", func() (connector.Reader, error) {
			return c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "people", Key: key, BatchSize: 7},
				Cursor: []string{"seq"}, From: []any{int64(9), int64(100)}})
		}},
		{"two cursor fields", func() (connector.Reader, error) {
			return c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "people", Key: key},
				Cursor: []string{"seq", "note"}, From: []any{int64(3), "", int64(1)}})
		}},
	}
	for _, rd := range reads {
		t.Run(rd.name, func(t *testing.T) {
			writeErrs = nil
			if recs := readAll(t, rd.open); len(recs) == 0 {
				t.Fatal("read nothing")
			}
			if len(writeErrs) != 2 {
				t.Fatalf("the test hook ran %d times, want once per read", len(writeErrs)/2)
			}
			for _, err := range writeErrs {
				var me *mysql.MySQLError
				if !errors.As(err, &me) || me.Number != erReadOnlyTx {
					t.Errorf("a write inside the read transaction: err = %v, want error %d (read-only transaction)", err, erReadOnlyTx)
				}
			}
		})
	}
	// A read abandoned in the middle also leaves everything as it was.
	rd, err := c.Read(ctx, connector.ReadRequest{Stream: "people", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if n, s := d.count(t, "people"), d.checksum(t, "people"); n != count || s != sum {
		t.Errorf("after the reads: %d rows, checksum %d; before: %d rows, checksum %d", n, s, count, sum)
	}
	// The user could write: outside the connector the same statement succeeds, so the checks above mean
	// something.
	udb := openDB(t, func() *mysql.Config { cfg := d.cfg.Clone(); cfg.User, cfg.Passwd = user, password; return cfg }())
	if _, err := udb.Exec("UPDATE people SET name = 'written' WHERE id = 1"); err != nil {
		t.Fatalf("the test user cannot write: %v", err)
	}
	if s := d.checksum(t, "people"); s == sum {
		t.Error("CHECKSUM TABLE did not change after a real write; the check above proves nothing")
	}
}

// A read sees the table as it was when it started (one consistent snapshot), even when rows change
// between its batches.
func TestReadIsOneSnapshot(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY, v INT)", "INSERT INTO t SELECT seq, 0 FROM seq_1_to_100")
	c := d.open(t, nil)
	r, err := c.Read(context.Background(), connector.ReadRequest{Stream: "t", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first, err := r.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d.exec(t, "UPDATE t SET v = 1", "INSERT INTO t VALUES (1000, 1)", "DELETE FROM t WHERE id = 100")
	recs := first
	for {
		batch, err := r.Next(context.Background())
		if errors.Is(err, connector.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, batch...)
	}
	if len(recs) != 100 {
		t.Errorf("read %d rows, want the 100 of the snapshot", len(recs))
	}
	for _, rec := range recs {
		if rec["v"] != int64(0) || rec["id"] == int64(1000) {
			t.Errorf("read %v, a change made after the read started", rec)
		}
	}
}

// A stream whose table does not exist is an error naming it, for every kind of read and for writers.
func TestMissingTable(t *testing.T) {
	d := newTestDB(t)
	c := d.open(t, nil)
	ctx := context.Background()
	_, errRead := c.Read(ctx, connector.ReadRequest{Stream: "nope"})
	_, errCursor := c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "nope", Key: []string{"id"}}, Cursor: []string{"u"}})
	_, errOther := c.Read(ctx, connector.ReadRequest{Stream: "no_such_db_" + randomHex(3) + ".nope"})
	_, errWrite := c.OpenWriter(ctx, connector.WriteRequest{Stream: "nope", Key: []string{"id"}})
	for name, err := range map[string]error{"Read": errRead, "ReadCursor": errCursor, "Read in another database": errOther, "OpenWriter": errWrite} {
		if err == nil || !errors.Is(err, errNoTable) || !strings.Contains(err.Error(), "`nope`") {
			t.Errorf("%s of a missing table: err = %v, want one that names the table", name, err)
		}
		if connector.IsRetryable(err) {
			t.Errorf("%s of a missing table is marked retryable", name)
		}
	}
	d.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)")
	_, err := c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "t", Key: []string{"id"}}, Cursor: []string{"updated_at"}})
	if err == nil || !strings.Contains(err.Error(), `"updated_at"`) {
		t.Errorf("cursor on a missing column: err = %v, want one naming it", err)
	}
}

// Cursor reads with two cursor columns and a datetime: NULLs in any cursor column first, then the
// (c1, c2, key) order; From is inclusive and takes times as time.Time or RFC 3339 text (how
// connector.DecodeKey returns them); equal cursor values are not skipped across batches.
func TestCursorSemantics(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE ev (id INT PRIMARY KEY, at DATETIME(6) NULL, n INT NULL, KEY (at, n, id))`,
		`INSERT INTO ev VALUES
			(1, '2024-01-01 00:00:00.000001', 1), (2, '2024-01-01 00:00:00.000001', 1), (3, '2024-01-01 00:00:00.000001', 1),
			(4, '2024-01-01 00:00:00.000001', 2), (5, NULL, 5), (6, '2024-01-02 00:00:00', NULL),
			(7, '2024-01-02 00:00:00', 0), (8, '2023-12-31 23:59:59.999999', 9), (9, '2024-01-01 00:00:00.000001', 1)`)
	c := d.open(t, nil)
	ids := func(from []any, batch int) []int64 {
		t.Helper()
		recs := readAll(t, func() (connector.Reader, error) {
			return c.ReadCursor(context.Background(), connector.CursorRequest{
				ReadRequest: connector.ReadRequest{Stream: "ev", Key: []string{"id"}, BatchSize: batch},
				Cursor:      []string{"at", "n"}, From: from,
			})
		})
		var out []int64
		for _, r := range recs {
			out = append(out, r["id"].(int64))
		}
		return out
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 1000, time.UTC)
	cases := []struct {
		name string
		from []any
		want []int64 // NULL rows (5, 6) first, in key order
	}{
		{"from the start", nil, []int64{5, 6, 8, 1, 2, 3, 9, 4, 7}},
		{"inclusive, equal cursor", []any{at, int64(1), int64(3)}, []int64{5, 6, 3, 9, 4, 7}},
		{"RFC 3339 text", []any{"2024-01-01T00:00:00.000001Z", int64(1), int64(3)}, []int64{5, 6, 3, 9, 4, 7}},
		{"RFC 3339 with an offset", []any{"2024-01-01T01:00:00.000001+01:00", int64(1), int64(3)}, []int64{5, 6, 3, 9, 4, 7}},
		{"past the end", []any{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), int64(0), int64(0)}, []int64{5, 6}},
		{"prefix: first cursor field only", []any{at}, []int64{5, 6, 1, 2, 3, 9, 4, 7}},
		{"prefix: both cursor fields", []any{at, int64(2)}, []int64{5, 6, 4, 7}},
	}
	for _, tc := range cases {
		for _, batch := range []int{1, 2, 1000} {
			if diff := cmp.Diff(tc.want, ids(tc.from, batch)); diff != "" {
				t.Errorf("%s, batch %d: ids (-want +got):\n%s", tc.name, batch, diff)
			}
		}
	}
	// Resuming after every batch from the last record read never skips one.
	var got []int64
	var from []any
	for run := 0; ; run++ {
		if run > 20 {
			t.Fatal("resumed reads do not end")
		}
		fresh := resume(t, c, from)
		if len(fresh) == 0 {
			break
		}
		for _, rec := range fresh {
			got = append(got, rec["id"].(int64))
		}
		last := fresh[len(fresh)-1]
		from = []any{last["at"], last["n"], last["id"]}
	}
	if diff := cmp.Diff([]int64{8, 1, 2, 3, 9, 4, 7}, got); diff != "" {
		t.Errorf("resumed reads (-want +got):\n%s", diff)
	}
	// The cursor query can use the index on (at, n, id).
	ti, err := loadTable(context.Background(), d.db(), table{d.name, "ev"})
	if err != nil {
		t.Fatal(err)
	}
	q, args, err := selectQuery(ti, []string{"at"}, []string{"id"}, []any{at, int64(3)})
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]any, 10)
	for i := range cols {
		cols[i] = new(sql.NullString)
	}
	if err := d.db().QueryRow("EXPLAIN "+q, args...).Scan(cols...); err != nil {
		t.Fatal(err)
	}
	if typ := cols[3].(*sql.NullString).String; typ != "range" {
		t.Errorf("EXPLAIN of the cursor query: access type %q, want range (an index scan from the position)", typ)
	}
}

// resume reads ev from a position, batch by batch as a sync that stops after each batch, until it has
// records with a cursor it had not read (the one at from and NULL-cursor rows come again every time).
func resume(t *testing.T, c *Conn, from []any) []connector.Record {
	t.Helper()
	r, err := c.ReadCursor(context.Background(), connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "ev", Key: []string{"id"}, BatchSize: 2},
		Cursor:      []string{"at", "n"}, From: from,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		batch, err := r.Next(context.Background())
		if errors.Is(err, connector.EOF) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		var fresh []connector.Record
		for _, rec := range batch {
			if rec["at"] == nil || rec["n"] == nil || (from != nil && rec["id"] == from[2]) {
				continue
			}
			fresh = append(fresh, rec)
		}
		if len(fresh) > 0 {
			return fresh
		}
	}
}
