package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
	"github.com/onewaysync/oneway/internal/testservice"
)

// testDSN returns the DSN of the test server (see testservice.PostgresDSN).
func testDSN(t testing.TB) string { t.Helper(); return testservice.PostgresDSN(t) }

// testDB is a schema of its own on the test server, dropped when the test ends.
type testDB struct {
	dsn    string
	schema string
	admin  *pgx.Conn // search_path is the schema
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	dsn := testDSN(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	d := &testDB{dsn: dsn, schema: "oneway_test_" + hex.EncodeToString(b[:])}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = quoteIdent(d.schema)
	ctx := context.Background()
	if d.admin, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	d.exec(t, "CREATE SCHEMA "+quoteIdent(d.schema))
	t.Cleanup(func() {
		if _, err := d.admin.Exec(ctx, "DROP SCHEMA "+quoteIdent(d.schema)+" CASCADE"); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
		_ = d.admin.Close(ctx)
	})
	return d
}

// exec runs statements on the admin connection.
func (d *testDB) exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.admin.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// query returns the single value of a query on the admin connection.
func queryValue[T any](t testing.TB, d *testDB, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := d.admin.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// open returns a connection with the schema as its search path, closed when the test ends.
func (d *testDB) open(t testing.TB, extra connector.Settings) *Conn {
	t.Helper()
	s := connector.Settings{"dsn": d.dsn, "schema": d.schema}
	maps.Copy(s, extra)
	return connectortest.Open(t, New, s).(*Conn)
}

// readTable reads the whole table through c.
func readTable(t testing.TB, c *Conn, stream string) []connector.Record {
	t.Helper()
	return connectortest.Read(t, c, connector.ReadRequest{Stream: stream})
}

// write opens a writer, applies each batch (failing on a batch error, not on record errors) and closes
// it, returning the results of the last batch.
func write(t testing.TB, c *Conn, req connector.WriteRequest, batches ...[]connector.Change) []connector.Result {
	t.Helper()
	w, err := c.OpenWriter(t.Context(), req)
	if err != nil {
		t.Fatalf("OpenWriter %s: %v", req.Stream, err)
	}
	defer w.Close()
	var res []connector.Result
	for _, b := range batches {
		res = connectortest.Apply(t, w, b...)
	}
	return res
}

// noErrors fails t for any record error in results.
func noErrors(t testing.TB, results []connector.Result) {
	t.Helper()
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("result %d: %v", i, r.Err)
		}
	}
}

// creates returns Create changes for recs keyed by the fields of key.
func creates(t testing.TB, key []string, recs []connector.Record) []connector.Change {
	t.Helper()
	out := make([]connector.Change, len(recs))
	for i, r := range recs {
		k, err := connector.KeyValues(r, key)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = connector.Change{Action: connector.Create, Key: k, Record: r.Clone()}
	}
	return out
}

// checksum returns the row count and an md5 over the table's rows in key order.
func checksum(t testing.TB, d *testDB, table, orderBy string) (int64, string) {
	t.Helper()
	n := queryValue[int64](t, d, "SELECT count(*) FROM "+table+" AS c")
	sum := queryValue[string](t, d, "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY "+orderBy+"), '')) FROM "+table+" x")
	return n, sum
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func containsAny(s string, subs ...string) string {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return sub
		}
	}
	return ""
}
