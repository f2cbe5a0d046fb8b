package mysql

import (
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
)

// conformanceTable is the suite's schema (see conformance.Options) as a MariaDB table, with an index for
// its cursor reads.
const conformanceTable = `CREATE TABLE %s (
	id BIGINT NOT NULL PRIMARY KEY,
	name TEXT NOT NULL,
	score DOUBLE NULL,
	active BOOL NULL,
	note TEXT NULL,
	seq BIGINT NULL,
	KEY seq_id (seq, id)
)`

func TestConformance(t *testing.T) {
	serverConfig(t) // skip early when the server is down
	dbs := map[*Conn]*testDB{}
	conformance.Run(t, conformance.Options{
		New: func(t *testing.T) connector.Conn {
			d := newTestDB(t)
			c := d.open(t, nil)
			dbs[c] = d
			return c
		},
		Prepare: func(t *testing.T, conn connector.Conn, stream string) {
			d := dbs[conn.(*Conn)]
			d.exec(t, "DROP TABLE IF EXISTS "+quoteIdent(stream), sprintf(conformanceTable, quoteIdent(stream)))
		},
		Seed: func(t *testing.T, conn connector.Conn, stream string, recs []connector.Record) {
			d := dbs[conn.(*Conn)]
			for _, r := range recs {
				_, err := d.db().Exec("INSERT INTO "+quoteIdent(stream)+" (id, name, score, active, note, seq) VALUES (?, ?, ?, ?, ?, ?)",
					r["id"], r["name"], r["score"], r["active"], r["note"], r["seq"])
				if err != nil {
					t.Fatalf("seed: %v", err)
				}
			}
		},
	})
}
