package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

// Names that would break unquoted SQL (a quote, a semicolon, a DROP) and unicode names work as
// schema, table and column names, for reads and writes, and nothing else is touched.
func TestIdentifierQuoting(t *testing.T) {
	d := newTestDB(t)
	const (
		schema = `sch"ema; DROP TABLE x`
		tbl    = `a"b;drop table x`
		col    = `na"me; DROP TABLE x --`
		uni    = `Größe 日本 ✓`
	)
	d.exec(t, "CREATE TABLE x (id int)", "CREATE SCHEMA "+quoteIdent(schema),
		fmt.Sprintf(`CREATE TABLE %s (id bigint PRIMARY KEY, %s text, %s text)`, table{schema, tbl}.sql(), quoteIdent(col), quoteIdent(uni)))
	t.Cleanup(func() { d.exec(t, "DROP SCHEMA "+quoteIdent(schema)+" CASCADE") })
	c := d.open(t, nil)
	// The stream quotes the schema, which holds a dot-free name with a quote: written as "sch""ema; ...".
	stream := `"sch""ema; DROP TABLE x".` + tbl
	recs := []connector.Record{
		{"id": int64(1), col: "one", uni: "eins"},
		{"id": int64(2), col: "two", uni: nil},
	}
	req := connector.WriteRequest{Stream: stream, Key: []string{"id"}, Fields: []string{col, "id", uni}}
	noErrors(t, write(t, c, req, creates(t, req.Key, recs)))
	noErrors(t, write(t, c, req, []connector.Change{
		{Action: connector.SoftDelete, Key: []any{int64(2)}, Record: connector.Record{uni: "gone"}},
		{Action: connector.Delete, Key: []any{int64(1)}},
	}))
	got := readTable(t, c, stream)
	want := []connector.Record{{"id": int64(2), col: "two", uni: "gone"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if got := connectortest.ReadCursor(t, c, connector.CursorRequest{
		ReadRequest: connector.ReadRequest{Stream: stream, Key: []string{"id"}}, Cursor: []string{uni}, From: []any{"a", int64(0)}}); len(got) != 1 {
		t.Errorf("cursor read on a unicode column: %d rows, want 1", len(got))
	}
	if n := queryValue[int64](t, d, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'x'", d.schema); n != 1 {
		t.Error("table x is gone")
	}
	// The schema setting is quoted as well.
	c2 := d.open(t, connector.Settings{"schema": schema})
	if got := readTable(t, c2, tbl); len(got) != 1 {
		t.Errorf("read through the schema setting: %d rows, want 1", len(got))
	}
}

func TestParseStream(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want table
		err  bool
	}{
		{in: "t", want: table{name: "t"}},
		{in: "s.t", want: table{schema: "s", name: "t"}},
		{in: `a"b;drop table x`, want: table{name: `a"b;drop table x`}},
		{in: `"my.schema"."my.table"`, want: table{schema: "my.schema", name: "my.table"}},
		{in: `s."t ""q"""`, want: table{schema: "s", name: `t "q"`}},
		{in: "Größe", want: table{name: "Größe"}},
		{in: "", err: true},
		{in: "a.b.c", err: true},
		{in: "a.", err: true},
		{in: ".a", err: true},
		{in: `"unterminated`, err: true},
		{in: `"a"b`, err: true},
	} {
		got, err := parseStream(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("parseStream(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if got := (table{schema: `x"y`, name: "t"}).sql(); got != `"x""y"."t"` {
		t.Errorf("sql() = %s", got)
	}
}

// One record that breaks a constraint in a batch of 1,000 is rejected alone, with the server's reason;
// the other 999 are written. The same for a value the column cannot hold, and for several bad records.
func TestBadRecordIsolated(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE t (id bigint PRIMARY KEY, email text UNIQUE, n int CHECK (n >= 0), code varchar(3))`,
		`INSERT INTO t VALUES (0, 'taken@example.com', 0, 'x')`)
	c := d.open(t, nil)
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}}
	batch := func(bad map[int]connector.Record) []connector.Change {
		out := make([]connector.Change, 1000)
		for i := range out {
			rec := connector.Record{"id": int64(i + 1), "email": fmt.Sprintf("u%d@example.com", i+1), "n": int64(i), "code": "abc"}
			for k, v := range bad[i] {
				rec[k] = v
			}
			out[i] = connector.Change{Action: connector.Create, Key: []any{int64(i + 1)}, Record: rec}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		bad  map[int]connector.Record
		msg  map[int]string
	}{
		{"unique", map[int]connector.Record{500: {"email": "taken@example.com"}}, map[int]string{500: "duplicate key"}},
		{"check and length", map[int]connector.Record{0: {"n": int64(-1)}, 999: {"code": "toolong"}, 377: {"n": "x"}},
			map[int]string{0: "check constraint", 999: "too long", 377: "invalid input syntax"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d.exec(t, "DELETE FROM t WHERE id > 0")
			res := write(t, c, req, batch(tc.bad))
			for i, r := range res {
				want, isBad := tc.msg[i]
				switch {
				case isBad && (r.Err == nil || !strings.Contains(r.Err.Error(), want)):
					t.Errorf("record %d: error %v, want one saying %q", i, r.Err, want)
				case !isBad && r.Err != nil:
					t.Errorf("record %d: unexpected error %v", i, r.Err)
				}
			}
			if n := queryValue[int64](t, d, "SELECT count(*) FROM t WHERE id > 0"); n != int64(1000-len(tc.bad)) {
				t.Errorf("%d rows written, want %d", n, 1000-len(tc.bad))
			}
		})
	}
}

// OpenWriter names the table and the column when a mapped column is missing or generated, and says
// what to do when the key has no unique index; create_table and unknown options behave as documented.
func TestOpenWriterChecks(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE t (id bigint PRIMARY KEY, a text, g int GENERATED ALWAYS AS (id * 2) STORED)`,
		`CREATE TABLE nokey (id bigint, a text)`,
		`CREATE TABLE partial (id bigint, a text)`, `CREATE UNIQUE INDEX ON partial (id) WHERE id > 0`)
	c := d.open(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  connector.WriteRequest
		want []string
	}{
		{"missing column", connector.WriteRequest{Stream: "t", Key: []string{"id"}, Fields: []string{"a", "id", "zzz"}}, []string{`"t"`, `"zzz"`}},
		{"missing key column", connector.WriteRequest{Stream: "t", Key: []string{"kk"}}, []string{`"t"`, `"kk"`}},
		{"generated column", connector.WriteRequest{Stream: "t", Key: []string{"id"}, Fields: []string{"g"}}, []string{`"g"`, "GENERATED"}},
		{"no unique index", connector.WriteRequest{Stream: "nokey", Key: []string{"id"}}, []string{`"nokey"`, "unique index", "CREATE UNIQUE INDEX"}},
		{"partial unique index", connector.WriteRequest{Stream: "partial", Key: []string{"id"}}, []string{"unique index"}},
		{"wrong key", connector.WriteRequest{Stream: "t", Key: []string{"a"}}, []string{"unique index"}},
		{"no key", connector.WriteRequest{Stream: "t"}, []string{"key"}},
		{"unknown option", connector.WriteRequest{Stream: "t", Key: []string{"id"}, Options: connector.Settings{"creat_table": true}}, []string{"creat_table"}},
	} {
		w, err := c.OpenWriter(ctx, tc.req)
		if err == nil {
			w.Close()
			t.Errorf("%s: OpenWriter succeeded", tc.name)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %q", tc.name, err, s)
			}
		}
	}
	// Append mode needs no unique index.
	noErrors(t, write(t, c, connector.WriteRequest{Stream: "nokey", Key: []string{"id"}, Append: true},
		creates(t, []string{"id"}, []connector.Record{{"id": int64(1), "a": "x"}, {"id": int64(1), "a": "y"}})))
	if n := queryValue[int64](t, d, "SELECT count(*) FROM nokey"); n != 2 {
		t.Errorf("append: %d rows, want 2", n)
	}
	// Without a map, a field the table lacks rejects that record only.
	res := write(t, c, connector.WriteRequest{Stream: "t", Key: []string{"id"}}, []connector.Change{
		{Action: connector.Create, Key: []any{int64(1)}, Record: connector.Record{"id": int64(1), "a": "ok"}},
		{Action: connector.Create, Key: []any{int64(2)}, Record: connector.Record{"id": int64(2), "a": "x", "extra": int64(1)}},
	})
	if res[0].Err != nil || res[1].Err == nil || !strings.Contains(res[1].Err.Error(), `"extra"`) {
		t.Errorf("results %v, want the second rejected naming column \"extra\"", res)
	}
}

// create_table creates the table from the first batch: types from the values, a primary key on the key
// (none in append mode); later batches write to it as to any table.
func TestCreateTable(t *testing.T) {
	d := newTestDB(t)
	c := d.open(t, nil)
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	recs := []connector.Record{
		{"id": int64(1), "name": "a", "score": 1.5, "ok": true, "amount": json.Number("10.25"), "at": ts,
			"raw": []byte{1}, "doc": map[string]any{"k": "v"}, "later": nil},
		{"id": int64(2), "name": "b", "score": nil, "ok": false, "amount": json.Number("-1"), "at": ts,
			"raw": []byte{}, "doc": []any{int64(1)}, "later": int64(5)},
	}
	req := connector.WriteRequest{Stream: "made", Key: []string{"id"}, Options: connector.Settings{"create_table": true}}
	noErrors(t, write(t, c, req, []connector.Change{{Action: connector.Delete, Key: []any{int64(9)}}}, creates(t, req.Key, recs)))
	types := map[string]string{}
	rows, err := d.admin.Query(context.Background(), `SELECT column_name::text, data_type::text FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = 'made'`, d.schema)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			t.Fatal(err)
		}
		types[n] = ty
	}
	want := map[string]string{"id": "bigint", "name": "text", "score": "double precision", "ok": "boolean", "amount": "numeric",
		"at": "timestamp with time zone", "raw": "bytea", "doc": "jsonb", "later": "bigint"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("column types (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(byKey(recs), byKey(readTable(t, c, "made"))); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if n := queryValue[int64](t, d, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = 'made' AND i.indisprimary"); n != 1 {
		t.Errorf("%d primary keys on the created table, want 1", n)
	}
	// Append mode: no primary key, one key many rows.
	areq := connector.WriteRequest{Stream: "log", Key: []string{"id"}, Append: true, Options: connector.Settings{"create_table": true}}
	noErrors(t, write(t, c, areq, creates(t, areq.Key, recs), creates(t, areq.Key, recs)))
	if n := queryValue[int64](t, d, "SELECT count(*) FROM log"); n != 4 {
		t.Errorf("append table: %d rows, want 4", n)
	}
}

// A key that appears twice in one batch is written in order (an upsert cannot touch a row twice in one
// statement), and a Delete between two Creates of the same key takes effect in order.
func TestSameKeyTwiceInBatch(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE t (id bigint PRIMARY KEY, v text)`)
	c := d.open(t, nil)
	ch := func(a connector.Action, id int64, v any) connector.Change {
		var rec connector.Record
		if a != connector.Delete {
			rec = connector.Record{"id": id, "v": v}
		}
		return connector.Change{Action: a, Key: []any{id}, Record: rec}
	}
	noErrors(t, write(t, c, connector.WriteRequest{Stream: "t", Key: []string{"id"}}, []connector.Change{
		ch(connector.Create, 1, "first"), ch(connector.Create, 2, "x"), ch(connector.Update, 1, "second"),
		ch(connector.Create, 3, "gone"), ch(connector.Delete, 3, nil), ch(connector.Delete, 2, nil), ch(connector.Create, 2, "back"),
	}))
	got := readTable(t, c, "t")
	want := []connector.Record{{"id": int64(1), "v": "second"}, {"id": int64(2), "v": "back"}}
	if diff := cmp.Diff(byKey(want), byKey(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Composite keys: creates upsert, updates and soft deletes of absent keys are ErrNotFound and create
// nothing, an update of the key alone checks existence, deletes of absent keys succeed; creates of keys
// that exist (after the first batch went straight in by COPY) update them.
func TestCompositeKeyActions(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE t (org text, id int, v text, active boolean DEFAULT true, PRIMARY KEY (org, id))`)
	c := d.open(t, nil)
	req := connector.WriteRequest{Stream: "t", Key: []string{"org", "id"}}
	rec := func(org string, id int64, v string) connector.Record {
		return connector.Record{"org": org, "id": id, "v": v}
	}
	var batch []connector.Change
	for i := range int64(50) {
		batch = append(batch, connector.Change{Action: connector.Create, Key: []any{"a\tb", i}, Record: rec("a\tb", i, "v1")})
	}
	noErrors(t, write(t, c, req, batch))
	for i := range batch {
		batch[i].Record = rec("a\tb", int64(i), "v2")
	}
	noErrors(t, write(t, c, req, batch)) // creates of existing keys update them
	if n := queryValue[int64](t, d, "SELECT count(*) FROM t WHERE v = 'v2'"); n != 50 {
		t.Fatalf("%d rows updated by creates of existing keys, want 50", n)
	}
	res := write(t, c, req, []connector.Change{
		{Action: connector.Update, Key: []any{"a\tb", int64(1)}, Record: rec("a\tb", 1, "updated")},
		{Action: connector.Update, Key: []any{"nobody", int64(1)}, Record: rec("nobody", 1, "ghost")},
		{Action: connector.Update, Key: []any{"a\tb", int64(2)}, Record: connector.Record{"org": "a\tb", "id": int64(2)}},
		{Action: connector.Update, Key: []any{"a\tb", int64(99)}, Record: connector.Record{"org": "a\tb", "id": int64(99)}},
		{Action: connector.SoftDelete, Key: []any{"a\tb", int64(3)}, Record: connector.Record{"active": false}},
		{Action: connector.SoftDelete, Key: []any{"a\tb", int64(98)}, Record: connector.Record{"active": false}},
		{Action: connector.Delete, Key: []any{"a\tb", int64(4)}},
		{Action: connector.Delete, Key: []any{"a\tb", int64(97)}},
	})
	for i, notFound := range []bool{false, true, false, true, false, true, false, false} {
		if got := errors.Is(res[i].Err, connector.ErrNotFound); got != notFound || (!notFound && res[i].Err != nil) {
			t.Errorf("change %d: %v; want not found: %v", i, res[i].Err, notFound)
		}
	}
	if !strings.Contains(fmt.Sprint(res[1].Err), "nobody") {
		t.Errorf("not-found error %q does not name the key", res[1].Err)
	}
	for _, q := range []struct {
		sql  string
		want int64
	}{
		{"SELECT count(*) FROM t", 49},
		{"SELECT count(*) FROM t WHERE v = 'updated' AND id = 1", 1},
		{"SELECT count(*) FROM t WHERE org = 'nobody' OR id > 50", 0},
		{"SELECT count(*) FROM t WHERE NOT active", 1},
	} {
		if n := queryValue[int64](t, d, q.sql); n != q.want {
			t.Errorf("%s = %d, want %d", q.sql, n, q.want)
		}
	}
}

// Match on the key is what the upsert does; match on other fields is unsupported, said at OpenWriter.
// Append writers say they are not idempotent.
func TestMatchAndNonIdempotent(t *testing.T) {
	d := newTestDB(t)
	d.exec(t, `CREATE TABLE t (id int PRIMARY KEY, email text)`)
	c := d.open(t, nil)
	ctx := context.Background()
	w, err := c.OpenWriter(ctx, connector.WriteRequest{Stream: "t", Key: []string{"id"}, Match: []string{"id"}})
	if err != nil {
		t.Fatalf("Match on the key: %v", err)
	}
	if w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("an upsert writer says it is not idempotent")
	}
	w.Close()
	if _, err := c.OpenWriter(ctx, connector.WriteRequest{Stream: "t", Key: []string{"id"}, Match: []string{"email"}}); !errors.Is(err, connector.ErrUnsupported) {
		t.Errorf("Match on email: %v, want ErrUnsupported", err)
	}
	w, err = c.OpenWriter(ctx, connector.WriteRequest{Stream: "t", Key: []string{"id"}, Append: true})
	if err != nil {
		t.Fatal(err)
	}
	if !w.(connector.NonIdempotent).NonIdempotent() {
		t.Error("an append writer says it is idempotent")
	}
	w.Close()
}
