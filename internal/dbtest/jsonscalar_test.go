package dbtest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/onewaysync/oneway/internal/engine"
)

// TestRoundTripJSONScalars sends JSON documents that are a single scalar (true, false, strings that
// look like a number, a boolean, null or a list, a number with a trailing zero) around the same chain
// as TestRoundTripThroughEveryDatabase, and compares the document each database holds with the
// source's: "123" (a string) is not 123, and false is not 0. (A JSON null document is documented to
// become SQL NULL, so it is left out.)
func TestRoundTripJSONScalars(t *testing.T) {
	c := newChain(t, "docs",
		"(id bigint PRIMARY KEY, doc jsonb)",
		"(id BIGINT PRIMARY KEY, doc JSON) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
		"(id INTEGER PRIMARY KEY, doc JSON_TEXT)")
	c.pg.exec(t, "INSERT INTO "+c.src+`.docs VALUES (1, 'true'), (2, 'false'), (3, '"123"'), (4, '"true"'),
		(5, '"null"'), (6, '"[1]"'), (7, '1.50'), (8, '""'), (9, '"plain text"'), (10, '-0.0')`)

	rep := runOneway(t, c.config, engine.Options{Apply: true})
	requireCounts(t, rep, 3, counts{Create: 10})

	want := docs(t, c.pg.admin.Query, "SELECT id, doc::text FROM "+c.src+".docs")
	lite, err := sql.Open("sqlite", "file:"+c.lite+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	for _, hop := range []struct {
		name string
		got  map[int64]any
	}{
		{"MariaDB (JSON)", docs(t, sqlQuery(c.maria.admin), "SELECT id, doc FROM "+c.mdb+".docs")},
		{"SQLite (JSON_TEXT)", docs(t, sqlQuery(lite), "SELECT id, doc FROM docs")},
		{"PostgreSQL (jsonb), back", docs(t, c.pg.admin.Query, "SELECT id, doc::text FROM "+c.dst+".docs")},
	} {
		if diff := cmp.Diff(want, hop.got); diff != "" {
			t.Errorf("documents in %s differ from the source's (-source +%s):\n%s", hop.name, hop.name, diff)
		}
	}
}

// rowsScanner is what docs needs of *sql.Rows and pgx.Rows.
type rowsScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// sqlQuery adapts a database/sql pool to the query function docs takes.
func sqlQuery(db *sql.DB) func(context.Context, string, ...any) (rowsScanner, error) {
	return func(ctx context.Context, q string, args ...any) (rowsScanner, error) {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return sqlRows{rows}, nil
	}
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// docs returns id -> the decoded document of each row of a query of (id, JSON text).
func docs[R rowsScanner](t *testing.T, query func(context.Context, string, ...any) (R, error), q string) map[int64]any {
	t.Helper()
	rows, err := query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := map[int64]any{}
	for rows.Next() {
		var id int64
		var doc *string
		if err := rows.Scan(&id, &doc); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[id] = decodeJSON(doc)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
