package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

// openConn returns a connection to path, closed when the test ends.
func openConn(t testing.TB, path string) *Conn {
	t.Helper()
	return connectortest.Open(t, New, connector.Settings{"path": path}).(*Conn)
}

// rawDB opens path directly with the driver (read-write, created when missing), bypassing the
// connector, for setting up and inspecting databases.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// newDB creates a database file in a temporary directory with the given statements run on it.
func newDB(t testing.TB, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db := rawDB(t, path)
	mustExec(t, db, stmts...)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustExec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func readTable(t testing.TB, c *Conn, stream string) []connector.Record {
	t.Helper()
	return connectortest.Read(t, c, connector.ReadRequest{Stream: stream})
}

// apply opens a writer, applies batch, closes the writer and returns the results.
func apply(t testing.TB, c *Conn, req connector.WriteRequest, batch []connector.Change) []connector.Result {
	t.Helper()
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		t.Fatalf("OpenWriter: %v", err)
	}
	defer func() {
		if err := w.Close(); err != nil {
			t.Errorf("writer Close: %v", err)
		}
	}()
	return connectortest.Apply(t, w, batch...)
}

// applyOK is apply that fails the test on any per-record error.
func applyOK(t testing.TB, c *Conn, req connector.WriteRequest, batch []connector.Change) {
	t.Helper()
	for i, r := range apply(t, c, req, batch) {
		if r.Err != nil {
			t.Fatalf("change %d (%v): %v", i, batch[i].Action, r.Err)
		}
	}
}

func create(key []string, recs ...connector.Record) []connector.Change {
	out := make([]connector.Change, len(recs))
	for i, r := range recs {
		k := make([]any, len(key))
		for j, f := range key {
			k[j] = r[f]
		}
		out[i] = connector.Change{Action: connector.Create, Key: k, Record: r}
	}
	return out
}
