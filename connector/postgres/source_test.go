package postgres

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

// seedItems creates items(id, updated_at, grp, name) with n rows and an index on (updated_at, id).
func seedItems(t *testing.T, d *testDB, n int) {
	t.Helper()
	d.exec(t,
		`CREATE TABLE items (id bigint PRIMARY KEY, updated_at timestamptz, grp int, name text NOT NULL)`,
		`CREATE INDEX items_cursor ON items (updated_at, id)`,
		sprintf(`INSERT INTO items SELECT g, CASE WHEN g %% 10 = 0 THEN NULL ELSE '2024-01-01'::timestamptz + (g / 7) * interval '1 second' END,
			g %% 3, 'item ' || g FROM generate_series(1, %d) g`, n))
}

// Every read runs in a REPEATABLE READ READ ONLY transaction: inside it, the read-only flag is on and a
// write fails with read_only_sql_transaction, for snapshot and cursor reads alike.
func TestReadTransactionIsReadOnly(t *testing.T) {
	d := newTestDB(t)
	seedItems(t, d, 20)
	c := d.open(t, nil)
	var checked int
	c.afterBegin = func(ctx context.Context, conn *pgx.Conn) error {
		checked++
		var ro, iso string
		if err := conn.QueryRow(ctx, "SHOW transaction_read_only").Scan(&ro); err != nil {
			return err
		}
		if err := conn.QueryRow(ctx, "SHOW transaction_isolation").Scan(&iso); err != nil {
			return err
		}
		if ro != "on" || iso != "repeatable read" {
			t.Errorf("read transaction: transaction_read_only=%s, isolation=%s; want on, repeatable read", ro, iso)
		}
		if _, err := conn.Exec(ctx, "SAVEPOINT probe"); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, "UPDATE items SET name = 'written' WHERE id = 1")
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "25006" {
			t.Errorf("a write inside the read transaction: %v; want SQLSTATE 25006 (read_only_sql_transaction)", err)
		}
		_, err = conn.Exec(ctx, "ROLLBACK TO SAVEPOINT probe")
		return err
	}
	if got := len(readTable(t, c, "items")); got != 20 {
		t.Errorf("snapshot read: %d rows, want 20", got)
	}
	if got := len(connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: "items", Key: []string{"id"}}, Cursor: []string{"updated_at"}})); got != 20 {
		t.Errorf("cursor read: %d rows, want 20", got)
	}
	if checked != 2 {
		t.Errorf("the read transaction was checked %d times, want 2", checked)
	}
}

// The source is never written, even when its role may write: after reads of every kind (snapshot,
// cursor from the start and from a position, reads closed early, canceled, failing), the row count and
// a checksum over every row and its xmin (which any UPDATE changes, even to the same values) are as
// before.
func TestSourceNeverWritten(t *testing.T) {
	d := newTestDB(t)
	seedItems(t, d, 3000)
	d.exec(t, "GRANT ALL ON items TO CURRENT_USER")
	sum := func() (int64, string) {
		return checksum(t, d, "(SELECT i.*, i.xmin::text AS row_xmin FROM items i)", "x.id")
	}
	n0, sum0 := sum()
	c := d.open(t, nil)
	ctx := context.Background()
	cursorReq := func(from []any, size int) connector.CursorRequest {
		return connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "items", Key: []string{"id"}, BatchSize: size},
			Cursor: []string{"updated_at"}, From: from}
	}
	readTable(t, c, "items")
	for _, size := range []int{1, 7, 1000, 5000} {
		r, err := c.ReadCursor(ctx, cursorReq(nil, size))
		if err != nil {
			t.Fatal(err)
		}
		connectortest.ReadAll(t, r, size)
	}
	r, err := c.ReadCursor(ctx, cursorReq([]any{time.Date(2024, 1, 1, 0, 3, 0, 0, time.UTC), int64(1200)}, 100))
	if err != nil {
		t.Fatal(err)
	}
	connectortest.ReadAll(t, r, 100)
	// A read closed after its first batch, one canceled mid-way, one of a missing table.
	r, err = c.Read(ctx, connector.ReadRequest{Stream: "items", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	r.Close()
	cctx, cancel := context.WithCancel(ctx)
	r, err = c.Read(cctx, connector.ReadRequest{Stream: "items", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := r.Next(cctx); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("Next with a canceled context: %v, want an error", err)
	}
	r.Close()
	if _, err := c.Read(ctx, connector.ReadRequest{Stream: "missing"}); err == nil {
		t.Error("read of a missing table succeeded")
	}
	n1, sum1 := sum()
	if n1 != n0 || sum1 != sum0 {
		t.Errorf("the source changed: %d rows (md5 %s) before the reads, %d (md5 %s) after", n0, sum0, n1, sum1)
	}
	// The checksum does see a write that leaves every value as it was.
	d.exec(t, "UPDATE items SET name = name WHERE id = 1")
	if _, sum2 := sum(); sum2 == sum1 {
		t.Error("the checksum missed an UPDATE; the test above cannot fail")
	}
}

// A missing table is an error that names it, for reads, cursor reads and writers.
func TestMissingTable(t *testing.T) {
	d := newTestDB(t)
	c := d.open(t, nil)
	ctx := context.Background()
	_, err := c.Read(ctx, connector.ReadRequest{Stream: "nope"})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !errors.Is(err, errNoTable) {
		t.Errorf("Read of a missing table: %v", err)
	}
	_, err = c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "other.nope"}, Cursor: []string{"x"}})
	if err == nil || !strings.Contains(err.Error(), `"other"."nope"`) {
		t.Errorf("ReadCursor of a missing table: %v", err)
	}
	_, err = c.OpenWriter(ctx, connector.WriteRequest{Stream: "nope", Key: []string{"id"}})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "create_table") {
		t.Errorf("OpenWriter on a missing table: %v", err)
	}
	// The table's name is case-sensitive: Items is not items.
	seedItems(t, d, 1)
	if _, err := c.Read(ctx, connector.ReadRequest{Stream: "Items"}); !errors.Is(err, errNoTable) {
		t.Errorf("Read of Items when only items exists: %v", err)
	}
	// A key or cursor column the table lacks is an error too.
	if _, err := c.Read(ctx, connector.ReadRequest{Stream: "items", Key: []string{"nokey"}}); err == nil || !strings.Contains(err.Error(), `"nokey"`) {
		t.Errorf("Read with a missing key column: %v", err)
	}
	_, err = c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "items", Key: []string{"id"}}, Cursor: []string{"nocursor"}})
	if err == nil || !strings.Contains(err.Error(), `"nocursor"`) {
		t.Errorf("ReadCursor with a missing cursor column: %v", err)
	}
}

// Cursor reads over two cursor columns with NULLs in either: the NULL rows come first on every read,
// the others in (c1, c2, key) order from the position, across batch boundaries with equal values.
func TestCursorTwoColumns(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE ev (id int PRIMARY KEY, day date, n int, v text)`,
		`INSERT INTO ev SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE date '2024-01-01' + g / 10 END,
			CASE WHEN g % 13 = 0 THEN NULL ELSE g % 4 END, 'v' || g FROM generate_series(1, 200) g`)
	c := d.open(t, nil)
	type pos struct {
		null  bool
		day   time.Time
		n, id int64
	}
	read := func(from []any, size int) []pos {
		r, err := c.ReadCursor(context.Background(), connector.CursorRequest{
			ReadRequest: connector.ReadRequest{Stream: "ev", Key: []string{"id"}, BatchSize: size},
			Cursor:      []string{"day", "n"}, From: from})
		if err != nil {
			t.Fatal(err)
		}
		var out []pos
		for _, rec := range connectortest.ReadAll(t, r, size) {
			p := pos{id: rec["id"].(int64)}
			if rec["day"] == nil || rec["n"] == nil {
				p.null = true
			} else {
				p.day, p.n = rec["day"].(time.Time), rec["n"].(int64)
			}
			out = append(out, p)
		}
		return out
	}
	less := func(a, b pos) bool {
		if !a.day.Equal(b.day) {
			return a.day.Before(b.day)
		}
		if a.n != b.n {
			return a.n < b.n
		}
		return a.id < b.id
	}
	all := read(nil, 3)
	if len(all) != 200 {
		t.Fatalf("read %d rows, want 200", len(all))
	}
	nulls := 0
	for i, p := range all {
		if p.null {
			if i != nulls {
				t.Fatalf("row %d has a NULL cursor after non-NULL rows", i)
			}
			nulls++
			continue
		}
		if i > nulls && !less(all[i-1], p) {
			t.Fatalf("rows %d and %d out of order: %v then %v", i-1, i, all[i-1], p)
		}
	}
	if nulls != 32 { // ids divisible by 11 or 13 up to 200: 18 + 15 - 1
		t.Errorf("%d rows with a NULL cursor, want 32", nulls)
	}
	// From a position in the middle: the NULL rows, then exactly the rows at or after it.
	mid := all[nulls+83]
	got := read([]any{mid.day, mid.n, mid.id}, 4)
	want := append(append([]pos(nil), all[:nulls]...), all[nulls+83:]...)
	if len(got) != len(want) {
		t.Fatalf("read from %v: %d rows, want %d", mid, len(got), len(want))
	}
	for i := range want {
		if got[i].null != want[i].null || (!got[i].null && got[i] != want[i]) {
			t.Fatalf("read from %v: row %d is %v, want %v", mid, i, got[i], want[i])
		}
	}
	// A prefix of the position compares only that prefix: every row of mid's day, from its first.
	first := nulls
	for !all[first].day.Equal(mid.day) {
		first++
	}
	if got := read([]any{mid.day}, 7); len(got) != nulls+200-first || got[nulls] != all[first] {
		t.Errorf("read from the prefix (%v): %d rows starting %v, want %d starting %v", mid.day, len(got), got[nulls], nulls+200-first, all[first])
	}
	// A position inside the NULL rows reads everything.
	if got := read([]any{nil, int64(1), int64(5)}, 50); len(got) != 200 {
		t.Errorf("read from a NULL cursor position: %d rows, want 200", len(got))
	}
	// A position with the cursor as another source stores it (a time as an RFC 3339 string).
	if got := read([]any{mid.day.Format(time.RFC3339), mid.n, mid.id}, 1000); len(got) != len(want) {
		t.Errorf("read from a position given as strings: %d rows, want %d", len(got), len(want))
	}
}

// An index on (cursor..., key...) serves the incremental part of a cursor read: the planner uses it for
// the row comparison (no sequential scan of the table).
func TestCursorUsesIndex(t *testing.T) {
	d := newTestDB(t)
	seedItems(t, d, 20000)
	d.exec(t, "ANALYZE items")
	ti, err := describe(context.Background(), d.admin, table{name: "items"})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := cursorQueries(ti, []string{"updated_at"}, []string{"id"}, []any{time.Date(2024, 1, 1, 0, 45, 0, 0, time.UTC), int64(18900)})
	if err != nil {
		t.Fatal(err)
	}
	args := make([]any, len(qs[1].params))
	for i, p := range qs[1].params {
		args[i] = string(p)
	}
	explain := func(settings string) string {
		t.Helper()
		ctx := context.Background()
		tx, err := d.admin.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if settings != "" {
			if _, err := tx.Exec(ctx, settings); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+qs[1].sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		return strings.Join(plan, "\n")
	}
	// The planner's own choice reads the range through the index (an index scan, or a bitmap scan
	// and a sort of the few rows found when that is cheaper).
	if plan := explain(""); !strings.Contains(plan, "Index Cond: ((updated_at IS NOT NULL) AND (ROW(updated_at, id) >=") ||
		strings.Contains(plan, "Seq Scan") {
		t.Errorf("the cursor query does not read its range through the index on (updated_at, id):\n%s\n%s", qs[1].sql, plan)
	}
	// And the index gives the order too: without bitmap scans the plan needs no sort.
	if plan := explain("SET LOCAL enable_bitmapscan = off"); !strings.Contains(plan, "Index Scan using items_cursor") ||
		strings.Contains(plan, "Sort") {
		t.Errorf("the index on (updated_at, id) does not give the cursor query its order:\n%s\n%s", qs[1].sql, plan)
	}
}

// Closing a read after its first batch of a large table returns at once: the rest of the result is
// not drained. Closing the Conn with a read still open does not wait for it, and the read fails.
func TestCloseMidRead(t *testing.T) {
	d := newTestDB(t)
	seedItems(t, d, 200000)
	c := d.open(t, nil)
	ctx := context.Background()
	r, err := c.Read(ctx, connector.ReadRequest{Stream: "items", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	r2, err := c.Read(ctx, connector.ReadRequest{Stream: "items", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = c.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Conn.Close waited for an open read")
	}
	if _, err := r2.Next(ctx); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("Next after Conn.Close: %v, want an error", err)
	}
	r2.Close()
	if _, err := c.Read(ctx, connector.ReadRequest{Stream: "items"}); !errors.Is(err, errClosed) {
		t.Errorf("Read after Close: %v, want errClosed", err)
	}
}
