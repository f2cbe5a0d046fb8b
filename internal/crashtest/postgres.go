package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/onewaysync/oneway/internal/testservice"
)

// PostgresDSN returns the DSN of the test server (see testservice.PostgresDSN).
func PostgresDSN(t testing.TB) string { t.Helper(); return testservice.PostgresDSN(t) }

// Schema is a fresh schema on the test server, dropped with everything in it when the test ends, so
// tests never see each other's tables.
type Schema struct {
	DSN  string    // the server's DSN; give oneway `schema: Name` beside it
	Name string    // the schema's name
	Conn *pgx.Conn // a connection whose search_path is the schema
}

// NewSchema creates a schema of its own for t.
func NewSchema(t testing.TB) *Schema {
	t.Helper()
	dsn := PostgresDSN(t)
	s := &Schema{DSN: dsn, Name: fmt.Sprintf("oneway_crash_%012x", rand.Uint64()>>16)}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = pgx.Identifier{s.Name}.Sanitize()
	ctx := context.Background()
	if s.Conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "CREATE SCHEMA "+pgx.Identifier{s.Name}.Sanitize())
	t.Cleanup(func() {
		if _, err := s.Conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{s.Name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", s.Name, err)
		}
		_ = s.Conn.Close(ctx)
	})
	return s
}

// Exec runs one statement in the schema, failing t on an error.
func (s *Schema) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := s.Conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Int returns the single integer a query returns.
func (s *Schema) Int(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.Conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// Digest runs a query returning (key, hash) text pairs, one row per table row.
func (s *Schema) Digest(t testing.TB, sql string) Digest {
	t.Helper()
	rows, err := s.Conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	d := Digest{}
	var key, hash string
	_, err = pgx.ForEachRow(rows, []any{&key, &hash}, func() error {
		d.Add(key, hash)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return d
}

// CreateItems creates table with rows 1..n: a key, text, integers, a double, a wide note and a version
// that grows on every change (from a sequence of its own; the cursor of cursor syncs).
func (s *Schema) CreateItems(t testing.TB, table string, n int) {
	t.Helper()
	tb, seq := pgx.Identifier{table}.Sanitize(), pgx.Identifier{table + "_version"}.Sanitize()
	s.Exec(t, `CREATE TABLE `+tb+` (id bigint PRIMARY KEY, name text NOT NULL, qty integer, price double precision,
		note text, version bigint NOT NULL)`)
	s.Exec(t, `INSERT INTO `+tb+` SELECT i, 'item-' || i, i % 97, i / 7.0, repeat('n', 80), i FROM generate_series(1, $1::bigint) i`, n)
	s.Exec(t, `CREATE SEQUENCE `+seq+` START `+strconv.Itoa(n+1))
}

// MutateItems makes n changes to random rows of an items table, in one transaction: updates, inserts (of
// new keys, and of deleted ones again) and, with deletes, deletes; every change takes a new version.
func (s *Schema) MutateItems(t testing.TB, rng *rand.Rand, table string, n int, deletes bool) {
	t.Helper()
	tb, seq := pgx.Identifier{table}.Sanitize(), pgx.Identifier{table + "_version"}.Sanitize()
	top := s.Int(t, `SELECT coalesce(max(id), 0) FROM `+tb)
	kinds := 2
	if deletes {
		kinds = 3
	}
	var b pgx.Batch
	for range n {
		id := rng.Int64N(top+top/10+1) + 1
		switch rng.IntN(kinds) {
		case 0:
			b.Queue(`UPDATE `+tb+` SET name = name || '+', qty = qty + 1, version = nextval($2::text::regclass) WHERE id = $1`, id, seq)
		case 1:
			b.Queue(`INSERT INTO `+tb+` VALUES ($1::bigint, 'new-' || $1, $1::bigint % 5, $1::bigint / 3.0, 'new', nextval($2::text::regclass))
				ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, price = EXCLUDED.price,
				note = EXCLUDED.note, version = EXCLUDED.version`, id, seq)
		default:
			b.Queue(`DELETE FROM `+tb+` WHERE id = $1`, id)
		}
	}
	if err := s.Conn.SendBatch(context.Background(), &b).Close(); err != nil {
		t.Fatalf("change %s: %v", table, err)
	}
}

// ItemsDigest hashes each row of an items table (or of its copy, whatever column types the target gave
// it) over every field, the version included, so that each version of a row has a hash of its own.
func (s *Schema) ItemsDigest(t testing.TB, table string) Digest {
	t.Helper()
	return s.Digest(t, `SELECT id::text, md5(concat_ws('|', name, qty::text, price::text, note, version::text)) FROM `+
		pgx.Identifier{table}.Sanitize())
}
