package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

const benchRows = 100_000

// benchRecord is a row like the benchmark tables: ids, a number, short and long text, a
// timestamp and a flag.
func benchRecord(id int64) connector.Record {
	return connector.Record{
		"id":      id,
		"n":       id * 7 % 1000,
		"name":    fmt.Sprintf("name-%08d", id),
		"score":   float64(id%10000) / 100,
		"active":  id%3 == 0,
		"at":      time.Unix(1_700_000_000+id, id%1000*1000).UTC(),
		"payload": fmt.Sprintf("%0200d", id),
	}
}

func benchBatches(update bool) [][]connector.Change {
	var out [][]connector.Change
	for start := int64(1); start <= benchRows; start += defaultBatchSize {
		batch := make([]connector.Change, 0, defaultBatchSize)
		for id := start; id < start+defaultBatchSize && id <= benchRows; id++ {
			r := benchRecord(id)
			a := connector.Create
			if update {
				r["name"] = "changed"
				a = connector.Update
			}
			batch = append(batch, connector.Change{Action: a, Key: []any{id}, Record: r})
		}
		out = append(out, batch)
	}
	return out
}

func benchWrite(b *testing.B, c *Conn, batches [][]connector.Change) {
	b.Helper()
	req := connector.WriteRequest{Stream: "t", Key: []string{"id"}, Fields: benchRecord(0).Fields(),
		Options: connector.Settings{"create_table": true}}
	w, err := c.OpenWriter(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	for _, batch := range batches {
		res, err := w.Apply(context.Background(), batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkWrite creates 100k rows through the target (create_table, upsert) in batches of 1000.
func BenchmarkWrite(b *testing.B) {
	batches := benchBatches(false)
	for b.Loop() {
		b.StopTimer()
		c := openConn(b, filepath.Join(b.TempDir(), "w.db"))
		b.StartTimer()
		benchWrite(b, c, batches)
	}
	reportRows(b, benchRows)
}

// BenchmarkUpdate updates a field of 100k existing rows through the target.
func BenchmarkUpdate(b *testing.B) {
	c := openConn(b, filepath.Join(b.TempDir(), "u.db"))
	benchWrite(b, c, benchBatches(false))
	updates := benchBatches(true)
	for b.Loop() {
		benchWrite(b, c, updates)
	}
	reportRows(b, benchRows)
}

// BenchmarkWriteBaseline inserts the same rows with plain prepared INSERTs in one transaction per
// batch, straight through database/sql: the floor the target's overhead is measured against.
func BenchmarkWriteBaseline(b *testing.B) {
	batches := benchBatches(false)
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "base.db")
		db := rawDB(b, "file:"+path+"?_pragma=journal_mode(WAL)")
		mustExec(b, db, `CREATE TABLE t (id INTEGER NOT NULL, active BOOLEAN, at TIMESTAMP, n INTEGER, name TEXT, payload TEXT, score REAL, PRIMARY KEY (id))`)
		b.StartTimer()
		for _, batch := range batches {
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			stmt, err := tx.Prepare(`INSERT INTO t (active, at, id, n, name, payload, score) VALUES (?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			for _, ch := range batch {
				r := ch.Record
				if _, err := stmt.Exec(r["active"], formatTime(r["at"].(time.Time), kindTime), r["id"], r["n"], r["name"], r["payload"], r["score"]); err != nil {
					b.Fatal(err)
				}
			}
			stmt.Close()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRows(b, benchRows)
}

// BenchmarkRead reads 100k rows through the source in batches of 1000.
func BenchmarkRead(b *testing.B) {
	c := openConn(b, filepath.Join(b.TempDir(), "r.db"))
	benchWrite(b, c, benchBatches(false))
	for b.Loop() {
		r, err := c.Read(context.Background(), connector.ReadRequest{Stream: "t"})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(connectortest.ReadAll(b, r, defaultBatchSize)); n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	reportRows(b, benchRows)
}

// BenchmarkReadBaseline scans the same rows straight through database/sql into typed variables.
func BenchmarkReadBaseline(b *testing.B) {
	c := openConn(b, filepath.Join(b.TempDir(), "r.db"))
	benchWrite(b, c, benchBatches(false))
	db := rawDB(b, c.Path())
	for b.Loop() {
		rows, err := db.Query(`SELECT id, active, at, n, name, payload, score FROM t`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id, nn int64
			var active bool
			var at time.Time
			var name, payload string
			var score float64
			if err := rows.Scan(&id, &active, &at, &nn, &name, &payload, &score); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		if n != benchRows {
			b.Fatalf("read %d rows", n)
		}
	}
	reportRows(b, benchRows)
}
