package dbtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/onewaysync/oneway/internal/engine"
)

// The table of the round trip, in each database. Every type of the PostgreSQL and MariaDB type tables
// (docs/connectors/postgres.md, mysql.md) that both can hold appears once, on the path PostgreSQL ->
// MariaDB -> SQLite -> PostgreSQL; each column's type in the middle is the one its connector documents
// for an exact round trip:
//   - real: MariaDB DOUBLE and SQLite REAL, since the PostgreSQL connector reads a real as the float64 of
//     its shortest decimal (0.1, not 0.100000001490116); a MariaDB FLOAT would hold the same single, but
//     reads back its exact binary value, which is a different record for the ledger.
//   - numeric: MariaDB DECIMAL of the same precision and scale; SQLite DECIMAL_TEXT, its only exact
//     decimal (a NUMERIC column would store a double).
//   - timestamp and timestamptz: DATETIME(6) (TIMESTAMP's range ends in 2038) and SQLite TIMESTAMP text;
//     values stay within MariaDB's range, years 1000 to 9999.
//   - uuid: CHAR(36) in MariaDB, TEXT in SQLite; PostgreSQL reads it back through uuid's input.
//   - json and jsonb: MariaDB JSON, SQLite JSON_TEXT. Values come back equal as documents; a json
//     column's spacing and key order are not kept (documented), so json is compared as a document.
//   - arrays: neither MariaDB nor SQLite has them. Both connectors write a list into a JSON column and
//     read it back as a list, and the PostgreSQL target writes a list into an array column, so one- and
//     two-dimensional arrays with NULL elements travel as JSON in the middle and come back as arrays.
//     (Lower bounds other than 1 are documented as lost, so none are used.)
//   - text with a NUL byte cannot exist in PostgreSQL, so the trip cannot carry one.
const (
	pgEverything = `(
		id    bigint PRIMARY KEY,
		i16   smallint,
		i32   integer,
		i64   bigint,
		num   numeric(30,10),
		r     real,
		d     double precision,
		t     text,
		vc    varchar(40),
		b     bytea,
		flag  boolean,
		day   date,
		ts    timestamp(6),
		tstz  timestamptz(6),
		u     uuid,
		j     json,
		jb    jsonb,
		ints  integer[],
		grid  integer[][],
		texts text[]
	)`
	mariaEverything = `(
		id    BIGINT PRIMARY KEY,
		i16   SMALLINT,
		i32   INT,
		i64   BIGINT,
		num   DECIMAL(30,10),
		r     DOUBLE,
		d     DOUBLE,
		t     MEDIUMTEXT,
		vc    VARCHAR(40),
		b     LONGBLOB,
		flag  BOOL,
		day   DATE,
		ts    DATETIME(6),
		tstz  DATETIME(6),
		u     CHAR(36),
		j     JSON,
		jb    JSON,
		ints  JSON,
		grid  JSON,
		texts JSON
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`
	sqliteEverything = `(
		id    INTEGER PRIMARY KEY,
		i16   INTEGER,
		i32   INTEGER,
		i64   INTEGER,
		num   DECIMAL_TEXT,
		r     REAL,
		d     REAL,
		t     TEXT,
		vc    TEXT,
		b     BLOB,
		flag  BOOLEAN,
		day   DATE,
		ts    TIMESTAMP,
		tstz  TIMESTAMP,
		u     TEXT,
		j     JSON_TEXT,
		jb    JSON_TEXT,
		ints  JSON_TEXT,
		grid  JSON_TEXT,
		texts JSON_TEXT
	)`
)

// everythingRows are the source rows: usual values, both ends of every range, empty values (distinct
// from NULL), a row of NULLs, and large values.
const everythingRows = `INSERT INTO %s.everything VALUES
	(1, 12, 123456, 1234567890123, 12345.6789, 0.1, 0.1, 'héllo wörld ✓ 😀 日本語 עברית', 'trailing spaces  ',
	 '\xdeadbeef00ff', true, '2024-02-29', '2026-03-01 12:34:56.123456', '2026-03-01 12:34:56.123456+05:30',
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{ "b": [1, 2.50, "x", null, true], "a": {"é": "ü 😀"} }',
	 '{"n": 12345678901234567890, "f": 1.0, "neg": -0.5e-3, "s": "tab\tquote\""}',
	 '{1,2,NULL,-3}', '{{1,2},{3,NULL}}', '{"a","b c",NULL,"","NULL","quote\"s","back\\slash","{braces}"}'),
	(2, -32768, -2147483648, -9223372036854775808, -99999999999999999999.9999999999, -3.4028235e38,
	 -1.7976931348623157e308, E'line1\nline2\r\n\ttab \\ back ''single'' "double"', '', '\x00', false,
	 '1000-01-01', '1000-01-01 00:00:00.000001', '1969-12-31 23:59:59.999999+00',
	 '00000000-0000-0000-0000-000000000000', '[]', '{}', '{}', '{}', '{}'),
	(3, 32767, 2147483647, 9223372036854775807, 0.0000000001, 1.17549435e-38, 2.2250738585072014e-308,
	 ' leading and trailing ', 'x', '\x', true, '9999-12-31', '9999-12-31 23:59:59.999999',
	 '1970-01-01 00:00:00+00', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '"just a string"',
	 '[1, [2, [3]], {"k": null, "e": ""}]', '{0}', '{{7}}', '{"only"}'),
	(4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL),
	(5, 0, 0, 0, 0, 0, 0, '', '', '\x', false, '1970-01-01', '1970-01-01 00:00:00', '2000-01-01 00:00:00+00',
	 '123e4567-e89b-12d3-a456-426614174000', '0', '[false, true]', '{0,0}', '{{0}}', '{""}'),
	(6, 1, 1, 1, 1, 16777216, 0.30000000000000004, repeat('0123456789abcdef😀', 4000), repeat('v', 40),
	 decode(repeat('00ff7f80', 16384), 'hex'), true, '2000-02-29', '2000-02-29 23:59:59.5',
	 '2038-01-19 03:14:08+00', '5f0c0a1e-52b4-4a7c-9c51-0fc6c9f4c8e2',
	 '{"deep": {"er": {"est": [1.5, "two", false, {}]}}}', '1.0', '{-2147483648,2147483647}',
	 '{{1,2,3},{4,5,6}}', '{"ünï", "😀"}')`

// everythingColumns renders a row so that equal rows give equal text: json as the document it holds.
const everythingColumns = "id, i16, i32, i64, num, r, d, t, vc, b, flag, day, ts, tstz, u, j::jsonb, jb, ints, grid, texts"

// TestRoundTripThroughEveryDatabase copies a table with every supported type from PostgreSQL to MariaDB,
// then to SQLite, then back to PostgreSQL, with three syncs of one configuration, and checks that it
// comes back equal value for value: in SQL (EXCEPT ALL both ways and an md5 of an ordered rendering) and
// field by field in Go. It then changes the source (an update, a delete, an insert) and checks that
// exactly that change travels through every hop.
func TestRoundTripThroughEveryDatabase(t *testing.T) {
	c := newChain(t, "everything", pgEverything, mariaEverything, sqliteEverything)
	c.pg.exec(t, fmt.Sprintf(everythingRows, c.src))

	const rows = 6
	rep := runOneway(t, c.config, engine.Options{Apply: true})
	requireCounts(t, rep, 3, counts{Create: rows})
	requireSameTables(t, c.pg.admin, c.src, c.dst, rows)

	// Nothing changed: every hop reads its rows and writes none.
	rep = runOneway(t, c.config, engine.Options{Apply: true})
	requireCounts(t, rep, 3, counts{Unchanged: rows})

	// One update, one delete, one insert at the source travel through every hop as exactly that.
	c.pg.exec(t,
		"UPDATE "+c.src+".everything SET t = t || ' (edited)', tstz = tstz + interval '1 microsecond', ints = ints || 9 WHERE id = 1",
		"DELETE FROM "+c.src+".everything WHERE id = 5",
		"INSERT INTO "+c.src+".everything (id, num, texts) VALUES (7, -1.5, '{x,NULL}')")
	rep = runOneway(t, c.config, engine.Options{Apply: true})
	requireCounts(t, rep, 3, counts{Create: 1, Update: 1, Delete: 1, Unchanged: rows - 2})
	requireSameTables(t, c.pg.admin, c.src, c.dst, rows)
}

// chain is a table in a PostgreSQL schema (src) synced to MariaDB, then SQLite, then another
// PostgreSQL schema (dst), by the three syncs of one configuration.
type chain struct {
	pg       *pgServer
	src, dst string // PostgreSQL schemas
	maria    *mariaServer
	mdb      string // the MariaDB database
	lite     string // the SQLite file
	config   string
}

// newChain creates the table in each database (empty) and the configuration that syncs it around.
func newChain(t *testing.T, table, pgDDL, mariaDDL, sqliteDDL string) *chain {
	t.Helper()
	pg := newPG(t)
	maria := newMaria(t)
	dir := t.TempDir()
	c := &chain{pg: pg, src: pg.schema(t), dst: pg.schema(t), maria: maria, lite: filepath.Join(dir, "middle.db")}
	mdb := maria.database(t)
	c.mdb = mdb
	pg.exec(t, "CREATE TABLE "+c.src+"."+table+" "+pgDDL, "CREATE TABLE "+c.dst+"."+table+" "+pgDDL)
	maria.exec(t, "CREATE TABLE "+mdb+"."+table+" "+mariaDDL)
	createSQLiteTable(t, c.lite, "CREATE TABLE "+table+" "+sqliteDDL)

	t.Setenv("ONEWAY_DBTEST_PG", pg.dsnAs(pg.url.User.Username()))
	t.Setenv("ONEWAY_DBTEST_MYSQL", maria.dsn(mdb, ""))
	c.config = writeConfig(t, dir, fmt.Sprintf(`
connections:
  pg:    {kind: postgres, dsn: "${env:ONEWAY_DBTEST_PG}"}
  maria: {kind: mysql, dsn: "${env:ONEWAY_DBTEST_MYSQL}"}
  lite:  {kind: sqlite, path: ./middle.db}
syncs:
  - name: postgres-to-mariadb
    source: {connection: pg, stream: %[1]s.%[3]s, key: [id]}
    targets: [{connection: maria, stream: %[3]s, key: [id]}]
  - name: mariadb-to-sqlite
    source: {connection: maria, stream: %[3]s, key: [id]}
    targets: [{connection: lite, stream: %[3]s, key: [id]}]
  - name: sqlite-to-postgres
    source: {connection: lite, stream: %[3]s, key: [id]}
    targets: [{connection: pg, stream: %[2]s.%[3]s, key: [id]}]
`, c.src, c.dst, table))
	return c
}

// createSQLiteTable creates the database file with one table.
func createSQLiteTable(t *testing.T, path, ddl string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("%s: %v", ddl, err)
	}
}

// requireSameTables compares schemas a and b's everything tables in SQL and field by field in Go.
func requireSameTables(t *testing.T, c *pgx.Conn, a, b string, wantRows int) {
	t.Helper()
	ctx := context.Background()
	var differ int
	q := fmt.Sprintf(`SELECT count(*) FROM (
		(SELECT %[1]s FROM %[2]s.everything EXCEPT ALL SELECT %[1]s FROM %[3]s.everything)
		UNION ALL
		(SELECT %[1]s FROM %[3]s.everything EXCEPT ALL SELECT %[1]s FROM %[2]s.everything)) AS x`, everythingColumns, a, b)
	if err := c.QueryRow(ctx, q).Scan(&differ); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if differ != 0 {
		t.Errorf("EXCEPT ALL: %d rows differ between %s and %s", differ, a, b)
	}
	// The text rendering tells apart what equality does not: numeric scale (1.0 = 1.00), -0 and 0.
	digest := func(schema string) string {
		var s string
		q := fmt.Sprintf("SELECT md5(string_agg(ROW(%s)::text, E'\\n' ORDER BY id)) FROM %s.everything", everythingColumns, schema)
		if err := c.QueryRow(ctx, q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	if da, db := digest(a), digest(b); da != db {
		t.Errorf("md5 of the ordered rendering: %s %s, %s %s", a, da, b, db)
	}
	want, got := readEverything(t, c, a), readEverything(t, c, b)
	if len(want) != wantRows {
		t.Fatalf("source holds %d rows, want %d", len(want), wantRows)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows differ field by field (-source +round trip):\n%s", diff)
	}
}

// everythingRow is one row as Go values; pointers and nil slices are NULL. Numeric and uuid are read
// as the server's text, json as the decoded document (numbers exact).
type everythingRow struct {
	ID            int64
	I16           *int16
	I32           *int32
	I64           *int64
	Num           *string
	R             *float32
	D             *float64
	T, VC         *string
	B             []byte
	Flag          *bool
	Day, TS, TSTZ *time.Time
	U             *string
	J, JB         any
	Ints          []*int32
	Grid          [][]*int32
	Texts         []*string
}

func readEverything(t *testing.T, c *pgx.Conn, schema string) []everythingRow {
	t.Helper()
	rows, err := c.Query(context.Background(), `SELECT id, i16, i32, i64, num::text, r, d, t, vc, b, flag, day, ts, tstz,
		u::text, j::text, jb::text, ints, grid, texts FROM `+schema+`.everything ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []everythingRow
	for rows.Next() {
		var r everythingRow
		var j, jb *string
		if err := rows.Scan(&r.ID, &r.I16, &r.I32, &r.I64, &r.Num, &r.R, &r.D, &r.T, &r.VC, &r.B, &r.Flag, &r.Day,
			&r.TS, &r.TSTZ, &r.U, &j, &jb, &r.Ints, &r.Grid, &r.Texts); err != nil {
			t.Fatalf("scan %s.everything: %v", schema, err)
		}
		r.J, r.JB = decodeJSON(j), decodeJSON(jb)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeJSON decodes a document keeping every number's text (so 2.50 and 2.5 differ); NULL is nil, and
// a JSON null document stays apart from SQL NULL. Text that is not one JSON document comes back as
// invalidJSON, so that a comparison shows it.
func decodeJSON(s *string) any {
	if s == nil {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(*s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return invalidJSON{*s}
	}
	return struct{ Doc any }{v}
}

type invalidJSON struct{ Text string }
