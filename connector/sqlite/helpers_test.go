package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/onewaysync/oneway/connector"
)

// openConn returns a connection to path, closed when the test ends.
func openConn(t testing.TB, path string) *Conn {
	t.Helper()
	c, err := New(connector.Settings{"path": path}, connector.Env{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c.(*Conn)
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

// readAll reads every batch of r and closes it. It fails the test on any error but io.EOF and
// checks that no batch is larger than max (when max > 0).
func readAll(t testing.TB, r connector.Reader, max int) []connector.Record {
	t.Helper()
	defer r.Close()
	var out []connector.Record
	for {
		recs, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if max > 0 && len(recs) > max {
			t.Fatalf("batch of %d records, want at most %d", len(recs), max)
		}
		out = append(out, recs...)
	}
}

func readTable(t testing.TB, c *Conn, stream string) []connector.Record {
	t.Helper()
	r, err := c.Read(context.Background(), connector.ReadRequest{Stream: stream})
	if err != nil {
		t.Fatalf("Read %s: %v", stream, err)
	}
	return readAll(t, r, 0)
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
	res, err := w.Apply(context.Background(), batch)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(res) != len(batch) {
		t.Fatalf("Apply returned %d results for %d changes", len(res), len(batch))
	}
	return res
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
