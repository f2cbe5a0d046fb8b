package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
)

// The suite runs twice: on tables the test creates without a unique key (the UPDATE-then-INSERT path,
// and Append into the same table), and on tables the connector creates with create_table (the key as
// primary key: the ON CONFLICT upsert path). Seed and Inspect use the driver directly, so the source
// is tested on rows the target did not write and the target on what is really in the file.
func TestConformance(t *testing.T) {
	newConn := func(t *testing.T) connector.Conn {
		c, err := New(connector.Settings{"path": filepath.Join(t.TempDir(), "conformance.db")}, connector.Env{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("PreparedTable", func(t *testing.T) {
		conformance.Run(t, conformance.Options{
			New: newConn,
			Prepare: func(t *testing.T, conn connector.Conn, stream string) {
				createSuiteTable(t, conn, stream, "INTEGER NOT NULL")
			},
			Seed:    seedSuite,
			Inspect: inspectSuite,
		})
	})
	t.Run("CreateTable", func(t *testing.T) {
		conformance.Run(t, conformance.Options{
			New:          newConn,
			WriteOptions: connector.Settings{"create_table": true},
			Seed: func(t *testing.T, conn connector.Conn, stream string, recs []connector.Record) {
				createSuiteTable(t, conn, stream, "INTEGER PRIMARY KEY")
				seedSuite(t, conn, stream, recs)
			},
			Inspect: inspectSuite,
		})
	})
}

// withDB runs fn on the connection's file, opened directly with the driver and closed before returning
// (the suite checks for leaked goroutines).
func withDB(t *testing.T, conn connector.Conn, fn func(db *sql.DB)) {
	t.Helper()
	db, err := sql.Open("sqlite", conn.(*Conn).Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fn(db)
}

func createSuiteTable(t *testing.T, conn connector.Conn, stream, idType string) {
	withDB(t, conn, func(db *sql.DB) {
		mustExec(t, db, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (id %s, name TEXT NOT NULL, score REAL, active BOOLEAN, note TEXT, seq INTEGER)`,
			quoteIdent(stream), idType))
	})
}

func seedSuite(t *testing.T, conn connector.Conn, stream string, recs []connector.Record) {
	withDB(t, conn, func(db *sql.DB) {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		for _, r := range recs {
			if _, err := tx.Exec(`INSERT INTO `+quoteIdent(stream)+` (id, name, score, active, note, seq) VALUES (?, ?, ?, ?, ?, ?)`,
				r["id"], r["name"], r["score"], r["active"], r["note"], r["seq"]); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	})
}

func inspectSuite(t *testing.T, conn connector.Conn, stream string) []connector.Record {
	var out []connector.Record
	withDB(t, conn, func(db *sql.DB) {
		rows, err := db.Query(`SELECT id, name, score, active, note, seq FROM ` + quoteIdent(stream))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id     int64
				name   string
				score  sql.NullFloat64
				active sql.NullBool
				note   sql.NullString
				seq    sql.NullInt64
			)
			if err := rows.Scan(&id, &name, &score, &active, &note, &seq); err != nil {
				t.Fatal(err)
			}
			r := connector.Record{"id": id, "name": name, "score": nil, "active": nil, "note": nil, "seq": nil}
			if score.Valid {
				r["score"] = score.Float64
			}
			if active.Valid {
				r["active"] = active.Bool
			}
			if note.Valid {
				r["note"] = note.String
			}
			if seq.Valid {
				r["seq"] = seq.Int64
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
	return out
}
