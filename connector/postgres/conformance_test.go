package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
)

// conformanceTable is the suite's schema (see conformance.Options), with the index its cursor reads use.
const conformanceTable = `CREATE TABLE IF NOT EXISTS %[1]s (
	id bigint PRIMARY KEY,
	name text NOT NULL,
	score double precision,
	active boolean,
	note text,
	seq bigint
); CREATE INDEX IF NOT EXISTS seq_id ON %[1]s (seq, id)`

// The target tests create their table through create_table, not Prepare: Append mode writes one key
// twice, which a table prepared with the primary key that upserts need would refuse, and create_table
// makes an append target without one.
func TestConformance(t *testing.T) {
	testDSN(t) // skip early when the server is down
	dbs := map[*Conn]*testDB{}
	conformance.Run(t, conformance.Options{
		New: func(t *testing.T) connector.Conn {
			d := newTestDB(t)
			c := d.open(t, nil)
			dbs[c] = d
			return c
		},
		WriteOptions: connector.Settings{"create_table": true},
		Seed: func(t *testing.T, conn connector.Conn, stream string, recs []connector.Record) {
			d := dbs[conn.(*Conn)]
			table := quoteIdent(stream)
			d.exec(t, sprintf(conformanceTable, table))
			batch := &pgx.Batch{}
			for _, r := range recs {
				batch.Queue("INSERT INTO "+table+" (id, name, score, active, note, seq) VALUES ($1, $2, $3, $4, $5, $6)",
					r["id"], r["name"], r["score"], r["active"], r["note"], r["seq"])
			}
			if err := d.admin.SendBatch(context.Background(), batch).Close(); err != nil {
				t.Fatalf("seed: %v", err)
			}
		},
	})
}
