package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/internal/connectortest"
)

// benchTable is the benchmark table: bigint id, int, text(32), numeric(12,2), timestamptz, bool
// and a 200-byte text.
const benchTable = `CREATE TABLE %s (id bigint PRIMARY KEY, n int, s varchar(32), amount numeric(12,2),
	at timestamptz, flag boolean, pad text)`

const benchRows = 100_000

func benchRecords(n int) []connector.Change {
	pad := strings.Repeat("x", 200)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]connector.Change, n)
	for i := range out {
		id := int64(i + 1)
		out[i] = connector.Change{Action: connector.Create, Key: []any{id}, Record: connector.Record{
			"id": id, "n": id % 1000, "s": fmt.Sprintf("name-%026d", id), "amount": json.Number(fmt.Sprintf("%d.%02d", id%100000, id%100)),
			"at": base.Add(time.Duration(id) * time.Millisecond), "flag": id%2 == 0, "pad": pad,
		}}
	}
	return out
}

// BenchmarkWrite writes 100k rows of the table per iteration through the writer, in batches of
// 1,000 and 10,000: create = Creates into an empty table (COPY straight into it); upsert = the same
// Creates again over the existing rows (one failed COPY, then COPY into the staging table and INSERT ...
// ON CONFLICT DO UPDATE); update = Updates of existing rows (staging, UPDATE ... FROM ... RETURNING);
// append = COPY straight into the table in append mode. baseline is the yardstick: the same rows in the
// server's own COPY text (what psql's \copy sends), loaded by one COPY FROM STDIN.
func BenchmarkWrite(b *testing.B) {
	d := newTestDB(b)
	d.exec(b, sprintf(benchTable, "bench"))
	c := d.open(b, nil)
	changes := benchRecords(benchRows)
	ctx := context.Background()
	updates := make([]connector.Change, len(changes))
	for i, ch := range changes {
		ch.Action = connector.Update
		updates[i] = ch
	}
	write(b, c, connector.WriteRequest{Stream: "bench", Key: []string{"id"}}, changes)
	var dump bytes.Buffer
	if _, err := d.admin.PgConn().CopyTo(ctx, &dump, "COPY bench TO STDOUT"); err != nil {
		b.Fatal(err)
	}
	b.Run("baseline", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			d.exec(b, "TRUNCATE bench")
			b.StartTimer()
			if _, err := d.admin.PgConn().CopyFrom(ctx, bytes.NewReader(dump.Bytes()), "COPY bench FROM STDIN"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	for _, mode := range []string{"create", "upsert", "update", "append"} {
		for _, size := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/batch=%d", mode, size), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					if mode == "create" || mode == "append" {
						d.exec(b, "TRUNCATE bench")
					} else if queryValue[int64](b, d, "SELECT count(*) FROM bench") != benchRows {
						d.exec(b, "TRUNCATE bench")
						write(b, c, connector.WriteRequest{Stream: "bench", Key: []string{"id"}}, changes)
					}
					b.StartTimer()
					w, err := c.OpenWriter(ctx, connector.WriteRequest{Stream: "bench", Key: []string{"id"}, Append: mode == "append"})
					if err != nil {
						b.Fatal(err)
					}
					batch := changes
					if mode == "update" {
						batch = updates
					}
					for i := 0; i < len(batch); i += size {
						res, err := w.Apply(ctx, batch[i:min(i+size, len(batch))])
						if err != nil {
							b.Fatal(err)
						}
						for _, r := range res {
							if r.Err != nil {
								b.Fatal(r.Err)
							}
						}
					}
					w.Close()
				}
				b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// BenchmarkRead reads 100k rows of the table per iteration in batches of 1,000, snapshot and
// cursor.
func BenchmarkRead(b *testing.B) {
	d := newTestDB(b)
	d.exec(b, sprintf(benchTable, "bench"), "CREATE INDEX ON bench (at, id)")
	c := d.open(b, nil)
	write(b, c, connector.WriteRequest{Stream: "bench", Key: []string{"id"}}, benchRecords(benchRows))
	d.exec(b, "VACUUM ANALYZE bench")
	ctx := context.Background()
	for _, mode := range []string{"snapshot", "cursor"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				var r connector.Reader
				var err error
				if mode == "snapshot" {
					r, err = c.Read(ctx, connector.ReadRequest{Stream: "bench"})
				} else {
					r, err = c.ReadCursor(ctx, connector.CursorRequest{ReadRequest: connector.ReadRequest{Stream: "bench", Key: []string{"id"}},
						Cursor: []string{"at"}})
				}
				if err != nil {
					b.Fatal(err)
				}
				if n := len(connectortest.ReadAll(b, r, 0)); n != benchRows {
					b.Fatalf("read %d rows", n)
				}
			}
			b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
